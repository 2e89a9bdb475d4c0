"""Tests of calibration: the logistic model's recovery, errors, sampler moves, tempering."""
