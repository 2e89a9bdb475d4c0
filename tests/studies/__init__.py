"""Tests of sdcluster.studies."""
