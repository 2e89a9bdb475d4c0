"""Tests of loop dominance (sdcluster.analysis.loops, sdcluster.studies.loops)."""
