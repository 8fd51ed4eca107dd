"""A LogUp example AIR: every value of a column lies in [0, n), proven by a lookup into a table.

Main columns: ``value`` (the looked-up values), ``table`` (0, 1, …, n−1: t_0 = 0, t' = t + 1) and
``mult`` (how often each table entry is looked up).  After the main trace is committed, one challenge
α is drawn and three extension columns are built:

    u = 1/(α − value),   w = 1/(α − table),   s' = s + u − mult·w   (cyclic: row n−1 → row 0)

The cyclic running sum telescopes to Σ 1/(α − v_r) = Σ m_r/(α − t_r), the LogUp identity, which holds
for a random α only if the multiset of values equals the table entries taken with multiplicity.  Each
inverse column is pinned by u·(α − value) = 1 (degree 2 on every row).

This AIR is the smallest complete user of the auxiliary-trace machinery; the VM's lookups follow it.
"""

from __future__ import annotations

import math

import numpy as np

from circuits import ext_kernels as ek
from circuits.air import Air, Assertion
from circuits.extension import Ext
from circuits.field import P

VALUE, TABLE, MULT = 0, 1, 2
U, W, S = 0, 1, 2


class RangeCheckAir(Air):
    name = "range-check"
    width = 3
    aux_width = 3
    num_challenges = 1
    min_trace_length = 4

    def public_inputs_bytes(self, pi) -> bytes:
        return b""

    def security_loss_bits(self, trace_length: int) -> float:
        # LogUp: a false identity survives with probability ≤ (number of fractions)/|F| = 2n/|F|.
        return math.log2(2 * trace_length)

    def transition_names(self):
        return ["table' = table + 1"]

    def transition_degrees(self):
        return [1]

    def evaluate_transition(self, cur, nxt, pi):
        return [nxt[TABLE] - cur[TABLE] - 1]

    def assertions(self, pi, n):
        return [Assertion(TABLE, 0, 0, "table starts at 0")]

    def aux_transition_names(self):
        return ["u·(α − value) = 1", "w·(α − table) = 1", "s' = s + u − mult·w"]

    def aux_transition_degrees(self):
        return [2, 2, 2]

    def cyclic_aux_transitions(self):
        return frozenset({0, 1, 2})

    def evaluate_aux_transition(self, cur, nxt, aux_cur, aux_nxt, challenges, pi):
        alpha = challenges[0]
        u, w, s = aux_cur
        return [u * (alpha - cur[VALUE]) - 1,
                w * (alpha - cur[TABLE]) - 1,
                aux_nxt[S] - s - u + cur[MULT] * w]

    def build_aux_trace(self, main, challenges, pi):
        n = main.shape[0]
        alpha = challenges[0].to_array()[None, :]
        u = ek.ext_batch_inv(ek.ext_sub(np.broadcast_to(alpha, (n, 5)).copy(), ek.base_to_ext(main[:, VALUE])))
        w = ek.ext_batch_inv(ek.ext_sub(np.broadcast_to(alpha, (n, 5)).copy(), ek.base_to_ext(main[:, TABLE])))
        delta = ek.ext_sub(u, ek.ext_mul_base(w, main[:, MULT]))
        # s_r = Σ_{i<r} delta_i (exclusive prefix sum, mod p per component)
        s = np.zeros((n, 5), dtype=np.uint64)
        s[1:] = _prefix(delta)[:-1]
        out = np.empty((n, 3, 5), dtype=np.uint64)
        out[:, U], out[:, W], out[:, S] = u, w, s
        return out


def _prefix(delta: np.ndarray) -> np.ndarray:
    """Inclusive prefix sums mod p of an (n, 5) array (values < 2^31, so 2^33 terms fit in uint64)."""
    return np.cumsum(delta, axis=0, dtype=np.uint64) % np.uint64(P)


def range_check_trace(values: np.ndarray, n: int) -> np.ndarray:
    """Main trace for looking up ``values`` (len ≤ n, padded with 0s) in the table 0..n−1."""
    v = np.zeros(n, dtype=np.uint64)
    v[:len(values)] = values
    table = np.arange(n, dtype=np.uint64)
    mult = np.bincount(np.minimum(v, n - 1).astype(np.int64), minlength=n).astype(np.uint64)
    if np.any(v >= n):
        # Out-of-range values have no table entry: leave their multiplicity unaccounted so the
        # LogUp sum cannot close — proving such a trace must fail.
        mult = np.bincount(v[v < n].astype(np.int64), minlength=n).astype(np.uint64)
    return np.stack([v, table, mult], axis=1)
