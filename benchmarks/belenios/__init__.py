"""Side-by-side benchmark against Belenios 2.0's command-line tool (see compare.py)."""
