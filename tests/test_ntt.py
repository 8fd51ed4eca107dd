"""Cross-checks of circuits.ntt against galois (an independent NTT and polynomial arithmetic)."""

from __future__ import annotations

import galois
import numpy as np
import pytest

from circuits import ntt as ntt_module
from circuits.field import P, TWO_ADICITY, two_adic_generator
from circuits.ntt import coset_intt, coset_ntt, evaluate, intt, lde, ntt

WIDTHS = [1, 3, 8, 20, 70]
"""1 and 3 take the narrow (four-step) path once n ≥ 2^10; 8 and up the row-major one."""


@pytest.fixture(scope="module")
def gf():
    return galois.GF(P)


@pytest.fixture
def rng():
    return np.random.default_rng(20130)


def random_matrix(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    return rng.integers(0, P, size=(n, width), dtype=np.uint64)


def galois_columns(gf, matrix: np.ndarray, transform) -> np.ndarray:
    """Apply a galois 1-D transform to every column."""
    return np.stack([np.asarray(transform(gf(col)), dtype=np.uint64) for col in matrix.T], axis=1)


def galois_eval(gf, coeffs: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Evaluate the polynomial Σ coeffs[i]·X^i at points with galois.Poly (highest degree first)."""
    poly = galois.Poly(gf(coeffs[::-1].astype(np.int64)), field=gf)
    return np.asarray(poly(gf(points.astype(np.int64))), dtype=np.uint64)


# ---------------------------------------------------------------------------------------------
# roots of unity
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("log_n", range(TWO_ADICITY + 1))
def test_two_adic_generator_has_exact_order_and_matches_galois(gf, log_n):
    root = two_adic_generator(log_n)
    assert pow(root, 1 << log_n, P) == 1
    if log_n:
        assert pow(root, 1 << (log_n - 1), P) == P - 1  # order exactly 2^k: the half power is −1
    assert int(gf(root).multiplicative_order()) == 1 << log_n
    assert root == int(gf.primitive_root_of_unity(1 << log_n))


def test_roots_are_nested():
    # ω_{2n}^2 = ω_n, which lets one twiddle table serve every smaller size.
    for log_n in range(1, TWO_ADICITY + 1):
        assert pow(two_adic_generator(log_n), 2, P) == two_adic_generator(log_n - 1)


# ---------------------------------------------------------------------------------------------
# ntt / intt against galois
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("log_n", range(11))
def test_ntt_matches_galois_one_column(gf, rng, log_n):
    x = rng.integers(0, P, size=1 << log_n, dtype=np.uint64)
    evals = ntt(x)
    assert evals.shape == x.shape and evals.dtype == np.uint64
    np.testing.assert_array_equal(evals, np.asarray(galois.ntt(gf(x)), dtype=np.uint64))
    np.testing.assert_array_equal(intt(evals), x)
    np.testing.assert_array_equal(intt(x), np.asarray(galois.intt(gf(x)), dtype=np.uint64))


@pytest.mark.parametrize("log_n", [0, 1, 2, 5, 9, 10, 11])
@pytest.mark.parametrize("width", WIDTHS)
def test_ntt_matches_galois_many_columns(gf, rng, log_n, width):
    x = random_matrix(rng, 1 << log_n, width)
    evals = ntt(x)
    assert evals.shape == x.shape and evals.flags.c_contiguous
    np.testing.assert_array_equal(evals, galois_columns(gf, x, galois.ntt))
    np.testing.assert_array_equal(intt(x), galois_columns(gf, x, galois.intt))
    np.testing.assert_array_equal(intt(evals), x)


@pytest.mark.parametrize("log_n", [0, 3, 7, 10])
def test_ntt_is_horner_evaluation_at_powers_of_omega(gf, rng, log_n):
    n = 1 << log_n
    coeffs = rng.integers(0, P, size=n, dtype=np.uint64)
    omega = two_adic_generator(log_n)
    points = np.array([pow(omega, i, P) for i in range(n)], dtype=np.uint64)
    evals = ntt(coeffs)
    expected = galois_eval(gf, coeffs, points)
    np.testing.assert_array_equal(evals, expected)
    for i in rng.integers(0, n, size=4):
        assert evaluate(coeffs, int(points[i])) == int(evals[i])


def test_evaluate_matches_galois(gf, rng):
    for n in [1, 2, 17, 300]:
        coeffs = rng.integers(0, P, size=n, dtype=np.uint64)
        for x in [0, 1, P - 1, int(rng.integers(0, P))]:
            assert evaluate(coeffs, x) == int(galois_eval(gf, coeffs, np.array([x]))[0])


def test_four_step_path_long_columns(gf, rng):
    # One and two columns of 2^12 go through the four-step transform; galois is the reference.
    x = random_matrix(rng, 1 << 12, 2)
    np.testing.assert_array_equal(ntt(x), galois_columns(gf, x, galois.ntt))
    np.testing.assert_array_equal(ntt(x[:, 0]), ntt(x)[:, 0])
    np.testing.assert_array_equal(intt(ntt(x)), x)


@pytest.mark.parametrize("tile_bytes", [32, 256, 4096])
@pytest.mark.parametrize("width", [1, 8, 70])
def test_cross_tile_stages(gf, rng, monkeypatch, tile_bytes, width):
    # Small tiles force most stages through the piecewise (cross-tile) butterfly loops.
    x = random_matrix(rng, 1 << 11, width)
    expected = galois_columns(gf, x, galois.ntt)
    extended = lde(expected, 4, 7)          # default tiling (checked against galois below)
    monkeypatch.setattr(ntt_module, "_TILE_BYTES", tile_bytes)
    evals = ntt(x)
    np.testing.assert_array_equal(evals, expected)
    np.testing.assert_array_equal(intt(evals), x)
    np.testing.assert_array_equal(lde(expected, 4, 7), extended)


def test_parallel_and_serial_paths_agree(rng, monkeypatch):
    x = random_matrix(rng, 1 << 10, 16)
    monkeypatch.setattr(ntt_module, "_SERIAL_BELOW", 1 << 30)
    serial = ntt(x), lde(x, 2, 3)
    monkeypatch.setattr(ntt_module, "_SERIAL_BELOW", 0)
    parallel = ntt(x), lde(x, 2, 3)
    np.testing.assert_array_equal(serial[0], parallel[0])
    np.testing.assert_array_equal(serial[1], parallel[1])


# ---------------------------------------------------------------------------------------------
# cosets and the low-degree extension
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("log_n", [0, 1, 4, 8, 10])
@pytest.mark.parametrize("width", [1, 8, 9])
def test_coset_ntt_is_evaluation_on_the_coset(gf, rng, log_n, width):
    n = 1 << log_n
    shift = int(rng.integers(2, P))
    coeffs = random_matrix(rng, n, width)
    omega = two_adic_generator(log_n)
    points = np.array([shift * pow(omega, i, P) % P for i in range(n)], dtype=np.uint64)
    evals = coset_ntt(coeffs, shift)
    for c in {0, width - 1}:
        np.testing.assert_array_equal(evals[:, c], galois_eval(gf, coeffs[:, c], points))
    np.testing.assert_array_equal(coset_intt(evals, shift), coeffs)


@pytest.mark.parametrize("log_n", [0, 2, 6, 10])
@pytest.mark.parametrize("blowup", [1, 2, 8])
@pytest.mark.parametrize("width", [1, 8, 33])
def test_lde_is_evaluation_of_the_interpolant(gf, rng, log_n, blowup, width):
    n = 1 << log_n
    shift = 31  # GENERATOR: the usual LDE coset, disjoint from every subgroup
    evals = random_matrix(rng, n, width)
    extended = lde(evals, blowup, shift)
    assert extended.shape == (n * blowup, width)
    big_omega = two_adic_generator(log_n + blowup.bit_length() - 1)
    points = np.array([shift * pow(big_omega, i, P) % P for i in range(n * blowup)], dtype=np.uint64)
    for c in {0, width - 1}:
        coeffs = np.asarray(galois.intt(gf(evals[:, c])), dtype=np.uint64)   # galois interpolation
        np.testing.assert_array_equal(extended[:, c], galois_eval(gf, coeffs, points))
    # Reading back: the LDE interpolates to the same polynomial, zero-padded to degree < n·blowup.
    back = coset_intt(extended, shift)
    np.testing.assert_array_equal(back[:n], intt(evals))
    assert not back[n:].any()


def test_lde_of_one_column_is_one_dimensional(rng):
    col = rng.integers(0, P, size=1 << 11, dtype=np.uint64)
    ext = lde(col, 4, 31)
    assert ext.shape == (1 << 13,)
    np.testing.assert_array_equal(ext, lde(col.reshape(-1, 1), 4, 31)[:, 0])
    # blowup 1 with shift 1 is the identity; row j·B of the extension with shift 1 is the input.
    np.testing.assert_array_equal(lde(col, 1, 1), col)
    np.testing.assert_array_equal(lde(col, 4, 1)[::4], col)


@pytest.mark.parametrize("width", [1, 8, 20])
def test_lde_into_given_output(rng, width):
    evals = random_matrix(rng, 1 << 10, width)
    expected = lde(evals, 4, 31)
    into = np.zeros((1 << 12, width), dtype=np.uint32)
    assert lde(evals, 4, 31, out=into) is into
    np.testing.assert_array_equal(into, expected)
    # A block of columns of a wider matrix: a strided view, written in place, neighbours untouched.
    wide = np.full((1 << 12, width + 5), 7, dtype=np.uint32)
    lde(evals, 4, 31, out=wide[:, 2:2 + width])
    np.testing.assert_array_equal(wide[:, 2:2 + width], expected)
    assert (wide[:, :2] == 7).all() and (wide[:, 2 + width:] == 7).all()
    col = np.empty(1 << 12, dtype=np.uint64)
    lde(evals[:, 0], 4, 31, out=col)
    np.testing.assert_array_equal(col, expected[:, 0])
    with pytest.raises(ValueError):
        lde(evals, 4, 31, out=np.empty((1 << 12, width), dtype=np.int64))
    with pytest.raises(ValueError):
        lde(evals, 2, 31, out=into)


# ---------------------------------------------------------------------------------------------
# algebraic laws and input handling
# ---------------------------------------------------------------------------------------------


def test_ntt_is_linear_and_convolution_theorem_holds(rng):
    n = 64
    a = rng.integers(0, P, size=n, dtype=np.uint64)
    b = rng.integers(0, P, size=n, dtype=np.uint64)
    np.testing.assert_array_equal(ntt((a + b) % P), (ntt(a) + ntt(b)) % P)
    # Pointwise products of evaluations are the cyclic convolution Σ_i a_i·b_{(k−i) mod n}.
    idx = np.arange(n)
    cyclic = np.array([int((a * b[(k - idx) % n] % P).sum() % P) for k in range(n)], dtype=np.uint64)
    np.testing.assert_array_equal(intt(ntt(a) * ntt(b) % P), cyclic)


def test_accepts_other_integer_dtypes(rng):
    x = rng.integers(0, P, size=(32, 4), dtype=np.int64)
    np.testing.assert_array_equal(ntt(x), ntt(x.astype(np.uint64)))
    np.testing.assert_array_equal(ntt(x.astype(np.uint32)), ntt(x.astype(np.uint64)))
    np.testing.assert_array_equal(ntt(np.asfortranarray(x)), ntt(x.astype(np.uint64)))


@pytest.mark.parametrize("bad", [np.zeros(0, dtype=np.uint64), np.zeros(3, dtype=np.uint64),
                                 np.zeros((6, 2), dtype=np.uint64), np.zeros((2, 2, 2), dtype=np.uint64)])
def test_rejects_bad_shapes(bad):
    with pytest.raises(ValueError):
        ntt(bad)


def test_rejects_bad_arguments():
    x = np.ones(8, dtype=np.uint64)
    with pytest.raises(ValueError):
        ntt(np.array([-1, 2], dtype=np.int64))
    with pytest.raises(TypeError):
        ntt(np.ones(4, dtype=np.float64))
    with pytest.raises(ValueError):
        lde(x, 3, 31)
    with pytest.raises(ValueError):
        lde(x, 2, P)
    with pytest.raises(ValueError):
        coset_ntt(x, 0)
    with pytest.raises(ValueError):
        coset_intt(x, 2 * P)
