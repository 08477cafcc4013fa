"""Side-by-side benchmark against ElectionGuard's Python SDK (see compare.py)."""
