"""Command-line tools that maintain the model files (run with ``python -m``)."""
