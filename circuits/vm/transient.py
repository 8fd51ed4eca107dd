"""Transient storage: TLOAD and TSTORE (EIP-1153), 100 gas each.

Transient storage starts at zero in every transaction and is discarded at its end: no public initial
or final values, no refunds, no warm/cold.  The statement lists the slots the run touches
(``transient_slots``, increasing); the verifier makes each a once-entry ``(TAG_TINIT, slot in
3-byte chunks)`` (:func:`circuits.vm.tables.transient_entries`).

**Steps.**  TLOAD pops the slot (W0) and pushes W2; TSTORE pops the slot (W0) and the new value (W1),
and holds the value it overwrites in W2.  Each slot has a chain of versions ``(TAG_TVER, slot, time,
value)`` — slot and value as 32 bytes — on its own bus column:

    TLOAD at clk t     consumes (W0, vtp, W2), produces (W0, vtn = t, W1) with W1 = W2: it pushes the
                       value the latest version holds and leaves it
    TSTORE at clk t    consumes (W0, vtp, W2), produces (W0, vtn = t, W1): the new value
    slot row           (one per listed slot, after the halt, flag ch_tslot) produces (W0, 0, W1 = 0),
                       consumes (W0, vtp, W2) — the last value, dropped — and looks up the slot's
                       once-entry with chunks(W0)

and every access sends vtn − vtp − 1, every slot row vtp − 1, to the gap rows (:mod:`circuits.vm.gaps`).
The argument is the accounts' (:mod:`circuits.vm.accounts`): one initial version per listed slot, at
time 0 with value 0; each access consumes exactly the version of the slot's previous access (or the
initial one), so a TLOAD pushes the value of the slot's latest TSTORE, or 0 when there is none; every
listed slot is touched, every touched slot listed.  The versions carry their own tag, so no transient
version can stand for a storage slot's (:mod:`circuits.vm.storage_chiplet`) or the other way round.
"""

from __future__ import annotations

from typing import Any

from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.opcodes import Group
from circuits.vm.tables import CHUNKS, ONCE, TAG_TINIT, TAG_TVER

OPS = (Group.TLOAD, Group.TSTORE)
VERSION_FIELDS = 1 + 32 + 1 + 32


def access(row: Row) -> Any:
    """1 on a TLOAD or TSTORE that completes."""
    return (row.s(Group.TLOAD) + row.s(Group.TSTORE)) * E.ok(row)


def version_fractions(cur: Row, betas: list) -> list[tuple[Any, Any]]:
    moves = access(cur) + cur.ch_tslot
    consumed = (E.lincomb(betas[1:34], [*cur.w0, cur.vtp]) + E.lincomb(betas[34:VERSION_FIELDS], list(cur.w2))
                + TAG_TVER)
    produced = (E.lincomb(betas[1:34], [*cur.w0, cur.vtn]) + E.lincomb(betas[34:VERSION_FIELDS], list(cur.w1))
                + TAG_TVER)
    return [(-moves, consumed), (moves, produced)]


def init_fraction(cur: Row, betas: list) -> tuple[Any, Any]:
    """A slot row looks up its slot's once-entry."""
    fp = E.lincomb([*betas[1:1 + CHUNKS], betas[ONCE]], [*E.chunks3(cur.w0), 1]) + TAG_TINIT
    return cur.ch_tslot, fp


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    load, slot = cur.s(Group.TLOAD), cur.ch_tslot
    out = [Constraint("a transient slot's first version is at time 0", slot * cur.vtn, 2, True)]
    out += E.named(E.family(lambda w1, w2: load * (w1 - w2) + slot * w1, list(cur.w1), list(cur.w2)),
                   "TLOAD keeps the value, a slot starts at 0 (limb {})", 2, True)
    return out
