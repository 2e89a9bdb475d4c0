"""Tests of ensembles (sdcluster.studies.ensemble and its CLI)."""
