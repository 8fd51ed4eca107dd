"""The storage chiplet: each SLOAD or SSTORE on two rows, and each touched slot on two more.

A slot's history is a chain of *versions* (TAG_SLOT, slot, time, value, original, warm) on the
storage bus — 32-byte slot, value and original value (the slot's value before the run).  Rows:

    S1   ch_sld | ch_sst   W0 = slot, W1 = c (value read), W2 = o (original); stp, stn = t, swb
    S2   ch_s2             W0 = n (value written; SLOAD: n = c), W2 = t − stp − 1 (3 bytes)
    T1   ch_slot           W0 = slot, W1 = final value, W2 = o; stp = t_last, swb = warm at the end, stn = 0
    T2   ch_slot2          W0 = v (the value when the run starts), W2 = slot (copied), swi = warm then

S1 consumes (slot, stp, c, o, swb) and produces (slot, t, n, o, 1): an access reads the latest
version (its time gap is range-checked, as the stack's are) and leaves the slot warm.  T1 produces
the first version (slot, 0, v, o, swi) — at the value and warmth the run starts with, the original
value o beside it — and consumes the last.  The public entries (:mod:`circuits.vm.tables`), each
looked up exactly once: T1 looks up ``(TAG_SORIG, o, slot)`` and, when the run succeeds (succ),
``(TAG_SFINAL, slot, final)``; T2 looks up ``(TAG_SINIT, slot, v, swi)``.  So every slot the run
touches has exactly one chain, starting at its public value and warmth with its public original
value (the transaction's start: EIP-2200's, which a later frame of the transaction does not see as
its start), and on success ends at its public final value.  (o and v are in W2 and W0 of chiplet
rows, so range-checked; every other value comes from the stack or from a version.)

S1 answers the CPU's request (:mod:`circuits.vm.storage`) with (TAG_SREQ + group, t, slot, n, sc,
sr) where, with six zero tests [o = c], [c = n], [o = 0], [c = 0], [n = 0], [o = n] (flag f and
inverse i each: f = 1 − z·i, f·z = 0, z a sum of squared limb differences or of limbs, so z = 0 only
for equal words) and helper columns x = [o = c]·[c ≠ n], y = [c ≠ n]·[o ≠ 0], y2 = y·[c ≠ 0]·[n = 0],
y3 = y·[c = 0], wh = [c ≠ n]·[o = n]:

    SLOAD    sc = 2100 − 2000·swb                                         sr = 0
    SSTORE   sc = 2100·(1 − swb) + 100 + x·(2800 + 17100·[o = 0])         (EIP-2929 + EIP-2200)
             sr = 4800·y2 − 4800·y3 + wh·(2800 + 17100·[o = 0])           (EIP-3529)
"""

from __future__ import annotations

from typing import Any

from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.opcodes import Group
from circuits.vm.tables import CHUNKS, ONCE, TAG_SFINAL, TAG_SINIT, TAG_SLOT, TAG_SORIG, TAG_SREQ

FIRST_ROW_FLAGS = {Group.SLOAD: "ch_sld", Group.SSTORE: "ch_sst"}
TESTS = ("o = c", "c = n", "o = 0", "c = 0", "n = 0", "o = n")
VERSION_FIELDS = 1 + 32 + 1 + 32 + 32 + 1


def access_row(row: Row) -> Any:
    return row.ch_sld + row.ch_sst


def _squares(a: list, b: list) -> Any:
    return E.total(E.family(lambda x, y: (x - y) * (x - y), a, b))


def zero_test_values(cur: Row, nxt: Row) -> list:
    """The six z's, in :data:`TESTS` order."""
    o, c, n = list(cur.w2), list(cur.w1), list(nxt.w0)
    return [_squares(o, c), _squares(c, n), E.total(o), E.total(c), E.total(n), _squares(o, n)]


def version_fractions(cur: Row, nxt: Row, betas: list) -> list[tuple[Any, Any]]:
    a, slot = access_row(cur), cur.ch_slot
    fields = betas[1:VERSION_FIELDS]
    consumed = E.lincomb(fields, [*cur.w0, cur.stp, *cur.w1, *cur.w2, cur.swb]) + TAG_SLOT
    produced = E.lincomb(fields, [*cur.w0, cur.stn, *nxt.w0, *cur.w2, a + nxt.swi]) + TAG_SLOT
    return [(-(a + slot), consumed), (a + slot, produced)]


def response(cur: Row, nxt: Row, betas: list) -> tuple[Any, Any]:
    tag = E.total(getattr(cur, f) * (TAG_SREQ + int(g)) for g, f in FIRST_ROW_FLAGS.items())
    fp = E.lincomb(betas[1:2 + 64 + 2], [cur.stn, *cur.w0, *nxt.w0, cur.sc, cur.sr]) + tag
    return -access_row(cur), fp


def public_fractions(cur: Row, betas: list) -> list[tuple[Any, Any]]:
    # T1's (o, slot) and T2's (slot, v, swi) share one linear form: W2's chunks, W0's, the warm bit
    fields = [*betas[1:2 + 2 * CHUNKS], betas[ONCE]]
    start = (E.lincomb(fields, [*E.chunks3(cur.w2), *E.chunks3(cur.w0), cur.swi, 1])
             + cur.ch_slot * TAG_SORIG + cur.ch_slot2 * TAG_SINIT)
    final = E.lincomb([*betas[1:1 + 2 * CHUNKS], betas[ONCE]], [*E.chunks3(cur.w0), *E.chunks3(cur.w1), 1]) + TAG_SFINAL
    return [(cur.ch_slot + cur.ch_slot2, start), (cur.ch_slot * cur.succ, final)]


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    a, sld, sst = access_row(cur), cur.ch_sld, cur.ch_sst
    fa, fb, fzo, fzc, fzn, fd = cur.s_flags
    x, y, y2, y3, wh = cur.s_help
    out = [
        Constraint("storage row S1 is followed by S2", a * (1 - nxt.ch_s2), 2, False),
        Constraint("storage row S2 follows S1", nxt.ch_s2 * (1 - a), 2, False),
        Constraint("slot row T1 is followed by T2", cur.ch_slot * (1 - nxt.ch_slot2), 2, False),
        Constraint("slot row T2 follows T1", nxt.ch_slot2 * (1 - cur.ch_slot), 2, False),
        Constraint("the version read is older", a * (E.packed(nxt.w2[:3]) - cur.stn + cur.stp + 1), 2, False),
        Constraint("a slot's first version is at time 0", cur.ch_slot * cur.stn, 2, True),
        Constraint("swb is 0 or 1", cur.swb * (1 - cur.swb), 2, True),
        Constraint("swi is 0 or 1", cur.swi * (1 - cur.swi), 2, True),
        Constraint("swi only on T2", cur.swi * (1 - cur.ch_slot2), 2, True),
    ]
    out += E.named(E.family(lambda n_, c_: sld * (n_ - c_), list(nxt.w0), list(cur.w1)),
                   "SLOAD leaves limb {} as it was", 2, False)
    out += E.named(E.family(lambda s2, s1: nxt.ch_slot2 * (s2 - s1), list(nxt.w2), list(cur.w0)),
                   "T2 copies the slot limb {}", 2, False)
    reads_next = (1, 4, 5)  # [c = n], [n = 0], [o = n] read n from the next row
    for i, (name, z) in enumerate(zip(TESTS, zero_test_values(cur, nxt))):
        f, inv = cur.s_flags[i], cur.s_invs[i]
        degree = 3 if i in (0, 1, 5) else 2
        out.append(Constraint(f"[{name}] = 1 − z·inv", f + z * inv - 1, degree, i not in reads_next))
        out.append(Constraint(f"[{name}] · z = 0", f * z, degree, i not in reads_next))
    out += [
        Constraint("x = [o = c]·[c ≠ n]", x - fa * (1 - fb), 2, True),
        Constraint("y = [c ≠ n]·[o ≠ 0]", y - (1 - fb) * (1 - fzo), 2, True),
        Constraint("y2 = y·[c ≠ 0]·[n = 0]", y2 - y * (1 - fzc) * fzn, 3, True),
        Constraint("y3 = y·[c = 0]", y3 - y * fzc, 2, True),
        Constraint("wh = [c ≠ n]·[o = n]", wh - (1 - fb) * fd, 2, True),
        Constraint("storage gas", a * cur.sc - sld * (2100 - cur.swb * 2000)
                   - sst * (2200 - cur.swb * 2100 + x * 2800 + x * fzo * 17100), 3, True),
        Constraint("storage refund", a * cur.sr - sst * (y2 * 4800 - y3 * 4800 + wh * 2800 + wh * fzo * 17100), 3, True),
    ]
    return out
