"""Tests of global sensitivity (sdcluster.studies.sensitivity)."""
