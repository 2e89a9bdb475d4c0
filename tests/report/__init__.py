"""Tests of sdcluster.report."""
