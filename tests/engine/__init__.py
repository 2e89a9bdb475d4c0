"""Tests of sdcluster.engine."""
