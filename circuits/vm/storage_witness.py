"""Witness generation for storage: the replay of a run's SLOAD and SSTORE steps (EIP-2929/2200/3529
gas and refunds), the storage chiplet's rows, and the zero tests every row carries.

The replay walks the storage steps only (slots are 256-bit integers, kept in a dict); everything
per row is whole-array numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from circuits.field import P, batch_inv
from circuits.vm import layout as L

COLD, WARM, SET, UPDATE, CLEAR = 2100, 100, 20000, 5000, 4800


def access_cost(original: int, current: int, new: int, warm: bool, store: bool) -> tuple[int, int]:
    """(gas, refund change) of an SLOAD (store=False) or SSTORE, by EIP-2929, EIP-2200 and EIP-3529."""
    if not store:
        return (WARM if warm else COLD), 0
    gas = 0 if warm else COLD
    if original == current != new:
        gas += SET if original == 0 else UPDATE - COLD
    else:
        gas += WARM
    refund = 0
    if current != new:
        if original != 0 and current != 0 and new == 0:
            refund += CLEAR
        if original != 0 and current == 0:
            refund -= CLEAR
        if original == new:
            refund += SET - WARM if original == 0 else UPDATE - COLD - WARM
    return gas, refund


@dataclass
class StorageReplay:
    rows: np.ndarray        # the CPU rows of the storage steps, in order
    slots: list[int]
    current: list[int]      # value read by each access
    new: list[int]          # value after each access
    original: list[int]
    warm: np.ndarray
    before: np.ndarray      # time of the version each access reads
    gas: np.ndarray
    refund: np.ndarray
    initial: dict[int, int]  # slot → value when the run starts, every slot touched
    final: dict[int, int]    # slot → value at the end
    last: dict[int, int]     # slot → time of its last version
    warm_end: dict[int, int]
    originals: dict[int, int]   # slot → value when the transaction began (EIP-2200's original)
    warm_start: dict[int, int]  # slot → warm when the run starts


def replay(rows: np.ndarray, stores: np.ndarray, slots: list[int], current: list[int], new: list[int],
           warm: list[bool], originals: dict[int, int] | None = None) -> StorageReplay:
    """The storage accesses at ``rows`` (their slot, the value before and after, warm before);
    ``originals`` gives a slot's value when the transaction began where it is not the value the run
    starts with (a later frame of the transaction)."""
    original: dict[int, int] = {}
    start: dict[int, int] = {}
    warm_start: dict[int, int] = {}
    last: dict[int, int] = {}
    final: dict[int, int] = {}
    warm_end: dict[int, int] = {}
    orig, before, gas, refund = [], [], [], []
    for r, store, slot, c, n, w in zip(rows.tolist(), stores.tolist(), slots, current, new, warm):  # storage steps
        if slot not in start:
            start[slot], warm_start[slot] = c, int(w)
        o = original.setdefault(slot, (originals or {}).get(slot, c))
        orig.append(o)
        before.append(last.get(slot, 0))
        g, f = access_cost(o, c, n, w, bool(store))
        gas.append(g)
        refund.append(f)
        last[slot], final[slot], warm_end[slot] = r, n, 1
    return StorageReplay(rows, slots, list(current), list(new), orig, np.array(warm, dtype=np.int64),
                         np.array(before, dtype=np.int64), np.array(gas, dtype=np.int64),
                         np.array(refund, dtype=np.int64), start, final, last, warm_end, original, warm_start)


def words(values: list[int]) -> np.ndarray:
    if not values:
        return np.zeros((0, 32), dtype=np.int64)
    raw = b"".join(v.to_bytes(32, "little") for v in values)
    return np.frombuffer(raw, dtype=np.uint8).reshape(len(values), 32).astype(np.int64)


def chiplet_rows(rep: StorageReplay, sld_col: np.ndarray) -> np.ndarray:
    """S1, S2 per access, then T1, T2 per slot (by slot)."""
    m = len(rep.rows)
    slots = sorted(rep.initial)
    out = np.zeros((2 * m + 2 * len(slots), L.WIDTH), dtype=np.int64)
    out[:, L.CH_POW] = 1
    s1, s2 = out[0:2 * m:2], out[1:2 * m:2]
    s1[:, L.CH_SLD] = sld_col
    s1[:, L.CH_SST] = 1 - sld_col
    s1[:, L.W0_OFFSET:L.W0_OFFSET + 32] = words(rep.slots)
    s1[:, L.W1_OFFSET:L.W1_OFFSET + 32] = words(rep.current)
    s1[:, L.W2_OFFSET:L.W2_OFFSET + 32] = words(rep.original)
    s1[:, L.STP] = rep.before
    s1[:, L.STN] = rep.rows
    s1[:, L.SWB] = rep.warm
    s1[:, L.SC] = rep.gas
    s1[:, L.SR] = rep.refund
    s2[:, L.CH_S2] = 1
    s2[:, L.W0_OFFSET:L.W0_OFFSET + 32] = words(rep.new)
    gap = rep.rows - rep.before - 1
    for i in range(3):
        s2[:, L.W2_OFFSET + i] = (gap >> (8 * i)) & 0xFF
    t1, t2 = out[2 * m::2], out[2 * m + 1::2]
    t1[:, L.CH_SLOT] = 1
    t1[:, L.W0_OFFSET:L.W0_OFFSET + 32] = words(slots)
    t1[:, L.W1_OFFSET:L.W1_OFFSET + 32] = words([rep.final[s] for s in slots])
    t1[:, L.W2_OFFSET:L.W2_OFFSET + 32] = words([rep.originals[s] for s in slots])
    t1[:, L.STP] = [rep.last[s] for s in slots]
    t1[:, L.SWB] = [rep.warm_end[s] for s in slots]
    t2[:, L.CH_SLOT2] = 1
    t2[:, L.W0_OFFSET:L.W0_OFFSET + 32] = words([rep.initial[s] for s in slots])
    t2[:, L.W2_OFFSET:L.W2_OFFSET + 32] = words(slots)
    t2[:, L.SWI] = [rep.warm_start[s] for s in slots]
    return out


def _field_sum_of_squares(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = (a - b) % P  # int64: canonical values, so a − b and its square (mod p) stay in range
    return ((d * d) % P).sum(axis=1) % P


def fill_zero_tests(T: np.ndarray) -> None:
    """The six zero tests and the helper columns on every row (in place; T holds canonical values)."""
    n = T.shape[0]
    o = T[:, L.W2_OFFSET:L.W2_OFFSET + 32] % P
    c = T[:, L.W1_OFFSET:L.W1_OFFSET + 32] % P
    nxt = np.roll(T[:, L.W0_OFFSET:L.W0_OFFSET + 32], -1, axis=0) % P
    zs = [_field_sum_of_squares(o, c), _field_sum_of_squares(c, nxt), o.sum(axis=1) % P, c.sum(axis=1) % P,
          nxt.sum(axis=1) % P, _field_sum_of_squares(o, nxt)]
    for i, z in enumerate(zs):
        flag = (z == 0).astype(np.int64)
        inv = np.zeros(n, dtype=np.uint64)
        if np.any(z != 0):
            inv[z != 0] = batch_inv(z[z != 0].astype(np.uint64))
        T[:, L.S_FLAGS + i] = flag
        T[:, L.S_INVS + i] = inv.astype(np.int64)
    fa, fb, fzo, fzc, fzn, fd = (T[:, L.S_FLAGS + i] for i in range(6))
    y = (1 - fb) * (1 - fzo)
    for i, v in enumerate((fa * (1 - fb), y, y * (1 - fzc) * fzn, y * fzc, (1 - fb) * fd)):
        T[:, L.S_HELP + i] = v
