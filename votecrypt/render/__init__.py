"""Presentation of results: a terminal table, CSV and a printable HTML sheet (spec 13.6).

Renderers only read an `ElectionResults`; they never compute anything that is announced.
"""
