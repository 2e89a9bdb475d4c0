"""Tests of inputs that must not run code or destroy files."""
