"""Sums over a one-hot window: Σ_j h_j · y[base + k + step·j] for the 32 limbs k of a word.

A one-hot vector h (h_j = 1 at one position q) selects y[base + k + step·q] for every limb k at once,
which is how the chiplets move a word by a variable number of bytes: a shift (step −1 or +1), an
unaligned memory read or write (:mod:`circuits.vm.shift_chiplet`, :mod:`circuits.vm.memory_chiplet`).
Indices outside y read as 0.  Each sum is a degree-2 expression with up to 32 terms.

On whole columns the 32 sums are one compiled pass over the rows; at the verifier's single point all
32 × |h| extension products are one vectorized kernel call; on degree symbols they are written out
term by term.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from numba import njit, prange

from circuits import ext_kernels as ek
from circuits.extension import Ext
from circuits.field import P
from circuits.values import BaseVec
from circuits.vm import expr as E


_R32 = (1 << 32) % P


@njit(cache=True, parallel=True)
def _window_sums(H: np.ndarray, Y: np.ndarray, base: int, step: int) -> np.ndarray:
    """out[k, i] = Σ_j H[j, i] · Y[base + k + step·j, i] mod p (H, Y one column per row of the arrays).

    Products (< 2^62) are summed as 32-bit halves, so a sum of up to 32 terms needs two reductions
    instead of one per term."""
    nh, n = H.shape
    ny = Y.shape[0]
    out = np.zeros((32, n), dtype=np.uint64)
    p = np.uint64(P)
    r32 = np.uint64(_R32)
    low = np.uint64(0xFFFFFFFF)
    for k in prange(32):
        lo = np.zeros(n, dtype=np.uint64)
        hi = np.zeros(n, dtype=np.uint64)
        for j in range(nh):
            t = base + k + step * j
            if 0 <= t < ny:
                h = H[j]
                y = Y[t]
                for i in range(n):
                    prod = h[i] * y[i]
                    lo[i] += prod & low
                    hi[i] += prod >> np.uint64(32)
        for i in range(n):
            out[k, i] = ((hi[i] % p) * r32 + lo[i]) % p
    return out


def window_sums(h: Sequence, y: Sequence, base: int, step: int) -> list:
    """[Σ_j h_j · y[base + k + step·j] for k in 0 … 31]."""
    if all(isinstance(v, BaseVec) for v in (*h, *y)):
        out = _window_sums(np.stack([v.v for v in h]), np.stack([v.v for v in y]), base, step)
        return [BaseVec(out[k]) for k in range(32)]
    if all(isinstance(v, Ext) for v in (*h, *y)):
        return _ext_window_sums(h, y, base, step)
    sums = []
    for k in range(32):
        terms = [h[j] * y[base + k + step * j] for j in range(len(h)) if 0 <= base + k + step * j < len(y)]
        sums.append(E.total(terms))
    return sums


def _ext_window_sums(h: Sequence[Ext], y: Sequence[Ext], base: int, step: int) -> list[Ext]:
    """The 32 sums at one extension point: gather, one batched product, a masked sum."""
    nh, ny = len(h), len(y)
    idx = base + np.arange(32)[:, None] + step * np.arange(nh)[None, :]  # (32, nh)
    valid = (idx >= 0) & (idx < ny)
    H = np.array([v.c for v in h], dtype=np.uint64)
    Y = np.array([v.c for v in y], dtype=np.uint64)
    prods = ek.ext_mul(np.ascontiguousarray(np.broadcast_to(H[None], (32, nh, 5)).reshape(-1, 5)),
                       np.ascontiguousarray(Y[np.where(valid, idx, 0)].reshape(-1, 5)))
    prods = prods.reshape(32, nh, 5) * valid[:, :, None]
    sums = (prods % np.uint64(P)).sum(axis=1, dtype=np.uint64) % np.uint64(P)  # nh ≤ 64 terms < 2^31 each
    return [Ext._raw(tuple(int(x) for x in row)) for row in sums.tolist()]
