"""Two tables of different heights linked by a LogUp bus: a sender and a lookup receiver.

The bus carries pairs (key, value), compressed with two shared challenges (α, β) to the fingerprint
φ = key + β·value; every message contributes the fraction ±1/(α − φ) to the bus.

* :class:`SenderAir` — rows (key, value, send).  A row with send = 1 puts (key, value) on the bus:
  +1/(α − φ).  The sender has no constraint on its values at all: that they are squares is proven
  only by the receiver taking them off the bus.
* :class:`ReceiverAir` — the table of squares, rows (key, key², mult) with key = 0, 1, …, n−1.  Row r
  takes (r, r²) off the bus ``mult`` times: −mult/(α − φ).  A lookup, with multiplicities.

Each table has two auxiliary columns: an inverse u = 1/(α − φ), pinned by u·(α − φ) = 1 on every row,
and a running sum s with s_0 = 0 and s' = s + term (the sender's term is send·u, the receiver's
−mult·u), so s_{n−1} is the sum of the terms of rows 0 … n−2.  The last row is padding (send = 0,
mult = 0, asserted), so s_{n−1} is the table's whole side of the bus: it is the table's one bus claim,
bound by the auxiliary assertion s_{n−1} = claims[0].  The verifier checks that the claims of all
tables, plus whatever part of the bus it computes itself (:func:`public_messages_sum` for messages
that leave the tables publicly, e.g. to L1), add up to zero: by the LogUp lemma that holds for random
(α, β) only if every message sent is received.

The tables have different heights and are proven together by :func:`prover.multi_stark.prove_tables`;
a second sender (another height) on the same bus makes a three-table example.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from circuits import ext_kernels as ek
from circuits.air import Air, Assertion
from circuits.extension import Ext
from circuits.field import P

KEY, VALUE, FLAG = 0, 1, 2  # FLAG: the sender's send bit, the receiver's multiplicity
U, S = 0, 1


def fingerprint(key, value, challenges):
    """φ = key + β·value (works on columns, ``Ext`` values and symbolic degrees alike)."""
    return key + challenges[1] * value


class _BusTable(Air):
    """What sender and receiver share: the inverse column, the running sum and its claim."""

    width = 3
    aux_width = 2
    num_challenges = 2
    num_bus_claims = 1
    min_trace_length = 4
    sign = 1  # +1: the table sends FLAG copies of its row; −1: it receives them

    def public_inputs_bytes(self, pi) -> bytes:
        return b""

    def security_loss_bits(self, trace_length: int) -> float:
        # LogUp over n fractions with a fingerprint in β: a false identity survives with
        # probability ≤ ~2n/|F| per table (combined over tables by the multi-table verifier).
        return math.log2(2 * trace_length)

    def aux_transition_names(self):
        op = "+" if self.sign > 0 else "−"
        return ["u·(α − key − β·value) = 1", f"s' = s {op} flag·u"]

    def aux_transition_degrees(self):
        return [2, 2]

    def cyclic_aux_transitions(self):
        return frozenset({0})  # the inverse holds on every row; the sum runs over rows 0 … n−2

    def evaluate_aux_transition(self, cur, nxt, aux_cur, aux_nxt, challenges, pi):
        alpha = challenges[0]
        u, s = aux_cur
        term = cur[FLAG] * u
        step = aux_nxt[S] - s - term if self.sign > 0 else aux_nxt[S] - s + term
        return [u * (alpha - fingerprint(cur[KEY], cur[VALUE], challenges)) - 1, step]

    def aux_assertions(self, challenges, pi, n, claims):
        return [Assertion(S, 0, Ext.zero(), "s_0 = 0"), Assertion(S, n - 1, claims[0], "s_{n−1} = claim")]

    def build_aux_trace(self, main, challenges, pi):
        n = main.shape[0]
        alpha, beta = challenges[0].to_array(), challenges[1].to_array()
        phi = ek.ext_add(ek.base_to_ext(main[:, KEY]),
                         ek.ext_mul_base(np.broadcast_to(beta, (n, 5)).copy(), main[:, VALUE]))
        u = ek.ext_batch_inv(ek.ext_sub(np.broadcast_to(alpha, (n, 5)).copy(), phi))
        term = ek.ext_mul_base(u, main[:, FLAG])
        if self.sign < 0:
            term = ek.ext_neg(term)
        s = np.zeros((n, 5), dtype=np.uint64)  # s_r = Σ_{i<r} term_i (exclusive prefix sum mod p)
        s[1:] = np.cumsum(term[:-1], axis=0, dtype=np.uint64) % np.uint64(P)
        out = np.empty((n, 2, 5), dtype=np.uint64)
        out[:, U], out[:, S] = u, s
        return out

    def bus_claims(self, main, aux, challenges, pi):
        return [Ext.from_array(aux[-1, S])]


class SenderAir(_BusTable):
    """Rows (key, value, send): each row with send = 1 sends (key, value) on the bus."""

    name = "bus-sender"
    sign = 1

    def transition_names(self):
        return ["send·(send − 1) = 0"]

    def transition_degrees(self):
        return [2]

    def cyclic_transitions(self):
        return frozenset({0})

    def evaluate_transition(self, cur, nxt, pi):
        return [cur[FLAG] * (cur[FLAG] - 1)]

    def assertions(self, pi, n):
        return [Assertion(FLAG, n - 1, 0, "last row is padding")]


class ReceiverAir(_BusTable):
    """The table of squares (key, key², mult), key = 0 … n−1, taking each entry ``mult`` times."""

    name = "bus-receiver"
    sign = -1

    def transition_names(self):
        return ["key' = key + 1", "value = key²"]

    def transition_degrees(self):
        return [1, 2]

    def cyclic_transitions(self):
        return frozenset({1})  # value = key² involves the current row only: it holds on every row

    def evaluate_transition(self, cur, nxt, pi):
        return [nxt[KEY] - cur[KEY] - 1, cur[VALUE] - cur[KEY] * cur[KEY]]

    def assertions(self, pi, n):
        return [Assertion(KEY, 0, 0, "key_0 = 0"), Assertion(FLAG, n - 1, 0, "last row is padding")]


def sender_trace(n: int, keys: Sequence[int] | np.ndarray, values: Sequence[int] | np.ndarray | None = None
                 ) -> np.ndarray:
    """A sender of height ``n`` sending (key, value) per key (value = key² unless given)."""
    keys = np.asarray(keys, dtype=np.uint64)
    if len(keys) > n - 1:
        raise ValueError(f"a sender of height {n} sends at most {n - 1} messages (its last row is padding)")
    vals = keys * keys % np.uint64(P) if values is None else np.asarray(values, dtype=np.uint64) % np.uint64(P)
    trace = np.zeros((n, 3), dtype=np.uint64)
    trace[:len(keys), KEY] = keys
    trace[:len(keys), VALUE] = vals
    trace[:len(keys), FLAG] = 1
    return trace


def receiver_trace(n: int, *key_lists: Sequence[int] | np.ndarray) -> np.ndarray:
    """The squares table of height ``n``, with multiplicities counting every key in ``key_lists``."""
    keys = np.concatenate([np.asarray(k, dtype=np.int64) for k in key_lists]) if key_lists else np.zeros(0, np.int64)
    if keys.size and (keys.min() < 0 or keys.max() >= n - 1):
        raise ValueError(f"a receiver of height {n} holds keys 0 … {n - 2}")
    key = np.arange(n, dtype=np.uint64)
    trace = np.empty((n, 3), dtype=np.uint64)
    trace[:, KEY] = key
    trace[:, VALUE] = key * key % np.uint64(P)
    trace[:, FLAG] = np.bincount(keys, minlength=n).astype(np.uint64)
    return trace


def public_messages_sum(messages: Sequence[tuple[int, int]]) -> Callable[[list[Ext]], Ext]:
    """``public_sum`` for messages the tables send that the verifier receives itself (e.g. exits to L1).

    Returns challenges ↦ −Σ 1/(α − key − β·value): the verifier's side of the bus for those messages.
    """
    msgs = [(int(k) % P, int(v) % P) for k, v in messages]

    def public_sum(challenges: list[Ext]) -> Ext:
        total = Ext.zero()
        for k, v in msgs:
            total = total - (challenges[0] - fingerprint(k, v, challenges)).inverse()
        return total

    return public_sum
