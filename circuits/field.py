"""BabyBear prime field arithmetic on numpy arrays.

p = 15·2^27 + 1 = 2013265921. Elements are stored as ``uint32`` (half the memory traffic of
uint64) and every product of two elements is < 2^62, so a ``uint64`` product never overflows before
the reduction.  Functions accept and return ``uint64``/``uint32`` numpy arrays holding canonical
values in ``[0, p)``; scalar helpers work on Python ints.

The multiplicative group has order p − 1 = 2^27 · 3 · 5, so the field has multiplicative subgroups of
every power-of-two order up to 2^27: that is the "two-adicity" the NTT and the STARK domains rely on.
31 generates the whole multiplicative group (it is the generator Plonky3 and RISC Zero use).
"""

from __future__ import annotations

import numpy as np

P = 2013265921
"""The BabyBear prime 15·2^27 + 1."""

GENERATOR = 31
"""A generator of the multiplicative group F_p^*."""

TWO_ADICITY = 27
"""Largest k with 2^k | p − 1."""

DTYPE = np.uint64
"""Working dtype for arithmetic: products of two canonical elements fit (< 2^62)."""

_P64 = np.uint64(P)


def to_field(values) -> np.ndarray:
    """Reduce integers (any sign, Python ints or arrays) into canonical uint64 field elements."""
    arr = np.asarray(values)
    if arr.dtype == object:
        return np.array([int(v) % P for v in arr.ravel()], dtype=DTYPE).reshape(arr.shape)
    if np.issubdtype(arr.dtype, np.signedinteger):
        return np.mod(arr.astype(np.int64), P).astype(DTYPE)
    return np.mod(arr.astype(DTYPE), _P64)


_KERNEL_MIN = 1 << 13
"""Below this many elements numpy's call overhead is lower than a kernel launch."""


def _kernel_args(a, b):
    """('vv', a, b) / ('vs', array, scalar) when a compiled kernel applies, else None."""
    if isinstance(a, np.ndarray) and a.ndim == 1 and a.dtype == DTYPE and a.size >= _KERNEL_MIN:
        if isinstance(b, np.ndarray) and b.shape == a.shape and b.dtype == DTYPE:
            return "vv", np.ascontiguousarray(a), np.ascontiguousarray(b)
        if isinstance(b, (np.uint64, int)) or (isinstance(b, np.ndarray) and b.ndim == 0):
            return "vs", np.ascontiguousarray(a), np.uint64(int(b))
    return None


def add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(a + b) mod p, elementwise; inputs canonical."""
    k = _kernel_args(a, b) or _kernel_args(b, a)  # + and · commute
    if k:
        from circuits import kernels
        return kernels.add_vv(k[1], k[2]) if k[0] == "vv" else kernels.add_vs(k[1], k[2])
    s = np.add(a, b, dtype=DTYPE)
    return np.where(s >= _P64, s - _P64, s)


def sub(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(a − b) mod p, elementwise; inputs canonical."""
    k = _kernel_args(a, b)
    if k and k[0] == "vv":
        from circuits import kernels
        return kernels.sub_vv(k[1], k[2])
    return add(np.asarray(a, dtype=DTYPE), neg(b))


def neg(a: np.ndarray) -> np.ndarray:
    """−a mod p, elementwise (0 stays 0)."""
    a = np.asarray(a, dtype=DTYPE)
    return np.where(a == 0, a, _P64 - a)


def mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a·b mod p, elementwise; canonical inputs keep the uint64 product below 2^62."""
    k = _kernel_args(a, b) or _kernel_args(b, a)  # + and · commute
    if k:
        from circuits import kernels
        return kernels.mul_vv(k[1], k[2]) if k[0] == "vv" else kernels.mul_vs(k[1], k[2])
    return np.multiply(a, b, dtype=DTYPE) % _P64



def pow_scalar(x: int, e: int) -> int:
    """x^e mod p for Python ints (negative e inverts)."""
    if e < 0:
        return pow(inv_scalar(x), -e, P)
    return pow(x % P, e, P)


def inv_scalar(x: int) -> int:
    """1/x mod p; raises ZeroDivisionError for 0."""
    x %= P
    if x == 0:
        raise ZeroDivisionError("inverse of zero in BabyBear")
    return pow(x, P - 2, P)


def pow_array(a: np.ndarray, e: int) -> np.ndarray:
    """a^e mod p elementwise by square-and-multiply over the whole array (e ≥ 0)."""
    a = np.asarray(a, dtype=DTYPE)
    result = np.ones_like(a)
    base = a.copy()
    while e > 0:
        if e & 1:
            result = mul(result, base)
        base = mul(base, base)
        e >>= 1
    return result


def batch_inv(a: np.ndarray) -> np.ndarray:
    """Elementwise inverses of a 1-D array with Montgomery's trick (one exponentiation in all).

    prefix[i] = a_0···a_i; inv(a_i) = prefix[i−1] · inv(prefix[i]).  The prefix products are a
    sequential scan, done by numba in :mod:`circuits.kernels`.  Raises ZeroDivisionError on a zero.
    """
    from circuits.kernels import batch_inv_kernel

    a = np.ascontiguousarray(a, dtype=DTYPE)
    if a.size == 0:
        return a.copy()
    if np.any(a == 0):
        raise ZeroDivisionError("inverse of zero in BabyBear")
    return batch_inv_kernel(a.ravel()).reshape(a.shape)


def two_adic_generator(log_n: int) -> int:
    """A primitive 2^log_n-th root of unity: g^((p−1)/2^log_n) for the group generator g."""
    if not 0 <= log_n <= TWO_ADICITY:
        raise ValueError(f"BabyBear has no subgroup of order 2^{log_n}")
    return pow(GENERATOR, (P - 1) >> log_n, P)


def powers(base: int, n: int, start: int = 1) -> np.ndarray:
    """[start, start·base, start·base^2, …] (n terms) as uint64, computed by repeated doubling."""
    out = np.empty(n, dtype=DTYPE)
    if n == 0:
        return out
    out[0] = start % P
    filled = 1
    step = base % P
    while filled < n:
        take = min(filled, n - filled)
        out[filled:filled + take] = mul(out[:take], np.uint64(pow(step, filled, P)))
        filled += take
    return out


def random_elements(rng: np.random.Generator, shape) -> np.ndarray:
    """Uniform field elements (for tests and blinding)."""
    return rng.integers(0, P, size=shape, dtype=np.uint64)
