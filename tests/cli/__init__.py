"""Tests of sdcluster.cli."""
