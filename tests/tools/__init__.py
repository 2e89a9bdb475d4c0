"""Tests of sdcluster.tools."""
