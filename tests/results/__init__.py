"""Tests of sdcluster.results."""
