"""Tests of sdcluster.analysis."""
