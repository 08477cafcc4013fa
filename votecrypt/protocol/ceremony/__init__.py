"""The threshold key ceremony of the counting board (spec 8).

Public messages and their checks live in `messages` and `transcript` (the verifier uses only
these); a trustee's secret side in `trustee`; the in-process helper in `runner`.
"""
