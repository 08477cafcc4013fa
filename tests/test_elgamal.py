"""Exponential ElGamal: correctness, homomorphism, partial decryption, secret hygiene."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import nonzero_scalars

from votecrypt.math import Group, Scalar
from votecrypt.primitives import (
    Ciphertext,
    SecretKey,
    decrypt_to_point,
    discrete_log,
    encrypt,
    encrypt_with_nonce,
    partial_decrypt,
)

small = st.integers(min_value=0, max_value=10**6)


@given(m=small)
def test_decrypt_of_encrypt(group: Group, m: int) -> None:
    key = SecretKey.generate(group)
    ciphertext, _ = encrypt(key.public_key, m)
    assert discrete_log(group, decrypt_to_point(ciphertext, key), 10**6) == m


@given(m1=small, m2=small)
def test_homomorphic_addition(group: Group, m1: int, m2: int) -> None:
    key = SecretKey.generate(group)
    c1, _ = encrypt(key.public_key, m1)
    c2, _ = encrypt(key.public_key, m2)
    total = c1 + c2
    assert decrypt_to_point(total, key) == Scalar(m1 + m2) * group.generator
    assert Ciphertext.sum(group, [c1, c2]) == total
    assert c1 + Ciphertext.zero(group) == c1


def test_encrypting_zero_and_identity_edge_cases(group: Group) -> None:
    key = SecretKey.generate(group)
    ciphertext, _ = encrypt(key.public_key, 0)
    assert decrypt_to_point(ciphertext, key).is_identity()
    # A ciphertext plus its negation is (identity, identity): the neutral element.
    negated = Ciphertext(-ciphertext.alpha, -ciphertext.beta)
    assert ciphertext + negated == Ciphertext.zero(group)


@given(m=small, r=nonzero_scalars)
def test_encryption_with_nonce_is_deterministic(group: Group, m: int, r: Scalar) -> None:
    key = SecretKey.generate(group)
    a = encrypt_with_nonce(key.public_key, m, r)
    assert a == encrypt_with_nonce(key.public_key, m, r)
    assert a.alpha == r * group.generator
    assert a.beta == Scalar(m) * group.generator + r * key.public_key


@pytest.mark.parametrize("m", [-1, 2**256, 1.0])
def test_plaintext_range(group: Group, m: object) -> None:
    key = SecretKey.generate(group)
    with pytest.raises(ValueError):
        encrypt(key.public_key, m)  # type: ignore[arg-type]


@given(s1=nonzero_scalars, s2=nonzero_scalars, m=small)
def test_partial_decryptions_add_up(group: Group, s1: Scalar, s2: Scalar, m: int) -> None:
    # With K = (s1 + s2)*G, beta - (s1*alpha + s2*alpha) = m*G.
    joint = (s1 + s2) * group.generator
    ciphertext, _ = encrypt(joint, m)
    shares = partial_decrypt(ciphertext.alpha, s1) + partial_decrypt(ciphertext.alpha, s2)
    assert ciphertext.beta - shares == Scalar(m) * group.generator


def test_secret_key_is_not_leaked(group: Group) -> None:
    key = SecretKey(Scalar(0xDEADBEEF), group)
    assert "deadbeef" not in repr(key).lower()
    assert str(0xDEADBEEF) not in repr(key)
    with pytest.raises(TypeError):
        pickle.dumps(key)
    with pytest.raises(ValueError):
        SecretKey(Scalar(0), group)


def test_a_blank_row_costs_the_same_group_operations(group: Group) -> None:
    """spec 18.1: encrypting m = 0 (a blank row) must not skip the multiplication that any
    other plaintext needs; the backend calls are counted for each plaintext."""
    from collections import Counter
    from typing import Any

    key = group.multiply_generator(Scalar.random())
    backend = group._backend
    calls: Counter[str] = Counter()
    names = ("add", "multiply", "multiply_generator", "negate")
    originals = {name: getattr(backend, name) for name in names}

    def counting(name: str) -> Any:
        def call(*args: Any) -> Any:
            calls[name] += 1
            return originals[name](*args)

        return call

    profiles = {}
    try:
        for name in names:
            object.__setattr__(backend, name, counting(name))
        for m in (0, 1, 48, 48 * 48):
            calls.clear()
            encrypt_with_nonce(key, m, Scalar.random())
            profiles[m] = dict(calls)
    finally:
        for name in names:
            object.__delattr__(backend, name)
    assert len({tuple(sorted(p.items())) for p in profiles.values()}) == 1, profiles
    assert profiles[0]["multiply_generator"] == 2 and profiles[0]["multiply"] == 1
