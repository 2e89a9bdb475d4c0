"""Tests of the built-in innovation-cluster model (models/)."""
