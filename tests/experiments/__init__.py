"""Tests of sdcluster.experiments."""
