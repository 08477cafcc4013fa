"""Reusable hypothesis strategies."""

from __future__ import annotations

from hypothesis import strategies as st

from votecrypt.math import N, Scalar

scalar_ints = st.one_of(
    st.integers(min_value=0, max_value=N - 1),
    st.sampled_from([0, 1, 2, N - 1, N - 2, (N - 1) // 2, (N + 1) // 2]),
)
scalars = scalar_ints.map(Scalar)
nonzero_scalars = st.integers(min_value=1, max_value=N - 1).map(Scalar)
small_ints = st.integers(min_value=0, max_value=2**20)
