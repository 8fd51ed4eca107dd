"""KECCAK256: hash a memory range — the message read into public entries, the digest pushed.

KECCAK256 pops offset (W0) and size (W1) and pushes the digest from W2 (P2 at sp − 2); it pays 30 gas
on its row, and its message is read on the COPYUNIT rows that follow it (kind khash), which pay 6 gas
per 32-byte word and the memory expansion (:mod:`circuits.vm.reads`).  The row looks up ``(TAG_HASH,
clk, size, W2)`` and the units the message's bytes: the statement's ``hashes`` entry keyed with the
row's clk holds exactly the bytes memory held at [offset, offset + size) and the word pushed.

What this circuit does not prove is that the digest *is* keccak-256 of the message: a Keccak table
beside the execution table proves that of every listed (message, digest) pair (see
:class:`circuits.keccak_air.Keccak256Air`).  A KECCAK256 that runs out of gas is proven when its 30
static gas alone is not there (the row's e_oog); otherwise it is refused (:mod:`circuits.vm.proven`).
"""

from __future__ import annotations

from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.opcodes import Group


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    return [
        # the first unit reads the message (one kind a unit: no copy or log kind)
        Constraint("hash kind in", cur.s(Group.KECCAK256) * cur.stay * (nxt.khash - 1), 3, False),
    ]
