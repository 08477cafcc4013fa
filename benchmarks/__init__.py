"""Benchmarks of votecrypt: `python -m benchmarks.run` (see benchmarks/README.md)."""
