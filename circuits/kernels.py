"""numba kernels for BabyBear arithmetic that cannot be expressed as whole-array numpy operations.

Each kernel is compiled once and cached on disk (``cache=True``), so later processes load it in
milliseconds.  Arrays are uint64 holding canonical field elements.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from circuits.field import P

_P = np.uint64(P)


@njit(cache=True)
def _pow_mod(x: np.uint64, e: int) -> np.uint64:
    result = np.uint64(1)
    base = x
    while e > 0:
        if e & 1:
            result = (result * base) % _P
        base = (base * base) % _P
        e >>= 1
    return result


@njit(cache=True)
def batch_inv_kernel(a: np.ndarray) -> np.ndarray:
    """Montgomery batch inversion: prefix products, one inversion, then a backward sweep."""
    n = a.shape[0]
    prefix = np.empty(n, dtype=np.uint64)
    acc = np.uint64(1)
    for i in range(n):
        acc = (acc * a[i]) % _P
        prefix[i] = acc
    inv_acc = _pow_mod(acc, P - 2)
    out = np.empty(n, dtype=np.uint64)
    for i in range(n - 1, 0, -1):
        out[i] = (inv_acc * prefix[i - 1]) % _P
        inv_acc = (inv_acc * a[i]) % _P
    out[0] = inv_acc
    return out


# ---- elementwise arithmetic on whole columns ---------------------------------------------------------
# numpy's uint64 `%` is a hardware division per element; numba turns `% p` by a constant into a
# multiply-high sequence and spreads the loop over both cores.

@njit(cache=True, parallel=True)
def mul_vv(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty(a.shape[0], dtype=np.uint64)
    for i in prange(a.shape[0]):
        out[i] = (a[i] * b[i]) % _P
    return out


@njit(cache=True, parallel=True)
def mul_vs(a: np.ndarray, s: np.uint64) -> np.ndarray:
    out = np.empty(a.shape[0], dtype=np.uint64)
    for i in prange(a.shape[0]):
        out[i] = (a[i] * s) % _P
    return out


@njit(cache=True, parallel=True)
def add_vv(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty(a.shape[0], dtype=np.uint64)
    for i in prange(a.shape[0]):
        s = a[i] + b[i]
        out[i] = s - _P if s >= _P else s
    return out


@njit(cache=True, parallel=True)
def add_vs(a: np.ndarray, s: np.uint64) -> np.ndarray:
    out = np.empty(a.shape[0], dtype=np.uint64)
    for i in prange(a.shape[0]):
        t = a[i] + s
        out[i] = t - _P if t >= _P else t
    return out


@njit(cache=True, parallel=True)
def sub_vv(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty(a.shape[0], dtype=np.uint64)
    for i in prange(a.shape[0]):
        out[i] = a[i] - b[i] if a[i] >= b[i] else a[i] + _P - b[i]
    return out
