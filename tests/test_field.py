"""BabyBear and its quintic extension, cross-checked against galois and plain integers."""

from __future__ import annotations

import galois
import numpy as np
import pytest

from circuits import ext_kernels as ek
from circuits import field as F
from circuits.extension import LOG2_SIZE, Ext

GF = galois.GF(F.P)
rng = np.random.default_rng(7)


def rand(n):
    return F.random_elements(rng, n)


def test_prime_and_two_adicity():
    assert F.P == 15 * 2**27 + 1
    assert galois.is_prime(F.P)
    assert (F.P - 1) % 2**F.TWO_ADICITY == 0 and ((F.P - 1) >> F.TWO_ADICITY) % 2 == 1
    assert GF.primitive_element == F.GENERATOR or pow(F.GENERATOR, (F.P - 1) // 2, F.P) != 1


def test_generator_is_primitive():
    for q in (2, 3, 5):
        assert pow(F.GENERATOR, (F.P - 1) // q, F.P) != 1


@pytest.mark.parametrize("log_n", [0, 1, 5, 16, 27])
def test_two_adic_generator_has_exact_order(log_n):
    w = F.two_adic_generator(log_n)
    assert pow(w, 1 << log_n, F.P) == 1
    if log_n:
        assert pow(w, 1 << (log_n - 1), F.P) != 1


def test_base_ops_match_galois():
    a, b = rand(1000), rand(1000)
    ga, gb = GF(a.astype(np.int64)), GF(b.astype(np.int64))
    assert np.array_equal(F.add(a, b), np.asarray(ga + gb, dtype=np.uint64))
    assert np.array_equal(F.sub(a, b), np.asarray(ga - gb, dtype=np.uint64))
    assert np.array_equal(F.mul(a, b), np.asarray(ga * gb, dtype=np.uint64))
    assert np.array_equal(F.neg(a), np.asarray(-ga, dtype=np.uint64))
    assert np.array_equal(F.pow_array(a, 12345), np.asarray(ga ** 12345, dtype=np.uint64))


def test_batch_inv_and_edge_values():
    a = np.concatenate([np.array([1, 2, F.P - 1], dtype=np.uint64), rand(500) | np.uint64(1)])
    inv = F.batch_inv(a)
    assert np.all(F.mul(a, inv) == 1)
    with pytest.raises(ZeroDivisionError):
        F.batch_inv(np.array([3, 0], dtype=np.uint64))
    assert F.inv_scalar(F.P - 1) == F.P - 1


def test_powers():
    assert list(F.powers(3, 6, start=2)) == [2 * 3**i % F.P for i in range(6)]


# ---- extension field ----------------------------------------------------------------------------

MOD = galois.Poly([1, 0, 0, 0, 0, F.P - 2], field=GF)  # X^5 − 2


def to_poly(e: Ext) -> galois.Poly:
    return galois.Poly(list(reversed(e.c)), field=GF)


def from_poly(p: galois.Poly) -> Ext:
    c = [int(x) for x in reversed(p.coeffs)] + [0] * 5
    return Ext(c[:5])


def rand_ext() -> Ext:
    return Ext(int(x) for x in rand(5))


def test_modulus_is_irreducible():
    assert MOD.is_irreducible()
    assert LOG2_SIZE == pytest.approx(154.5, abs=0.1)


def test_ext_mul_matches_polynomial_arithmetic():
    for _ in range(50):
        a, b = rand_ext(), rand_ext()
        assert a * b == from_poly((to_poly(a) * to_poly(b)) % MOD)
        assert a + b == from_poly(to_poly(a) + to_poly(b))
        assert a - b == from_poly(to_poly(a) - to_poly(b))


def test_ext_inverse_frobenius_and_laws():
    for _ in range(20):
        a = rand_ext()
        assert a * a.inverse() == Ext.one()
        assert a.frobenius() == a ** F.P
    a, b, c = rand_ext(), rand_ext(), rand_ext()
    assert a * (b + c) == a * b + a * c
    with pytest.raises(ZeroDivisionError):
        Ext.zero().inverse()
    assert Ext.one().inverse() == Ext.one()


def test_ext_kernels_match_scalar():
    n = 64
    a = rand(5 * n).reshape(n, 5)
    b = rand(5 * n).reshape(n, 5)
    base = rand(n)
    prod = ek.ext_mul(a, b)
    by_base = ek.ext_mul_base(a, base)
    by_scalar = ek.ext_mul_scalar(a, b[0])
    inv = ek.ext_batch_inv(a)
    for i in range(n):
        ea, eb = Ext.from_array(a[i]), Ext.from_array(b[i])
        assert Ext.from_array(prod[i]) == ea * eb
        assert Ext.from_array(by_base[i]) == ea * int(base[i])
        assert Ext.from_array(by_scalar[i]) == ea * Ext.from_array(b[0])
        assert Ext.from_array(inv[i]) == ea.inverse()


def test_combine_columns_and_weighted_row_sum():
    n, w = 33, 7
    m = rand(n * w).reshape(n, w)
    coeffs = rand(w * 5).reshape(w, 5)
    weights = rand(n * 5).reshape(n, 5)
    comb = ek.combine_columns(m, coeffs)
    rows = ek.weighted_row_sum(m, weights)
    for i in range(n):
        want = sum((Ext.from_array(coeffs[j]) * int(m[i, j]) for j in range(w)), Ext.zero())
        assert Ext.from_array(comb[i]) == want
    for j in range(w):
        want = sum((Ext.from_array(weights[i]) * int(m[i, j]) for i in range(n)), Ext.zero())
        assert Ext.from_array(rows[j]) == want
    z = rand_ext()
    pw = ek.ext_powers(z.to_array(), 6)
    assert [Ext.from_array(r) for r in pw] == [z ** i for i in range(6)]
