"""Tests of sdcluster.model."""
