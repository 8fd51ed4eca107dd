"""Time gaps of the account and transient version chains, proven on gap rows.

An account read (:mod:`circuits.vm.accounts`) or a TLOAD or TSTORE (:mod:`circuits.vm.transient`)
consumes the latest version of its address or slot, which must be older than the step: with vtn = clk
the time of the version it produces and vtp the consumed one's, vtn − vtp − 1 ≥ 0.  The CPU row has no
free range-checked bytes for it (W2 holds the pushed or overwritten word), so the row *sends* the gap

    (TAG_GAP, gx),   gx = vtn − vtp − 1   (an access)     gx = vtp − 1   (an account or slot row:
                                                           its chain's last version is not the first)

with numerator +1 on the gap column, and one *gap row* per sent gap (flag ch_gap, after the halt)
answers ``(TAG_GAP, W2_0 + 2^8 W2_1 + 2^16 W2_2)`` with numerator −1.  W2's bytes are range-checked,
so a gap that balances the column is a value in [0, 2^24) — and a trace has fewer than 2^22 rows,
so that is the integer inequality the chains need.
"""

from __future__ import annotations

from typing import Any

from circuits.vm import accounts, transient
from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.tables import TAG_GAP


def steps(row: Row) -> Any:
    """1 on an account read or a transient access that completes."""
    return accounts.access(row) + transient.access(row)


def chain_rows(row: Row) -> Any:
    return row.ch_acct + row.ch_tslot


def fractions(cur: Row, betas: list) -> list[tuple[Any, Any]]:
    sent = E.scale(betas[1], cur.gx) + TAG_GAP
    answered = E.scale(betas[1], E.packed(cur.w2[:3])) + TAG_GAP
    return [(steps(cur) + chain_rows(cur), sent), (-cur.ch_gap, answered)]


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    step = steps(cur)
    return [
        Constraint("a version step's version is at its clk", step * (cur.vtn - cur.clk), 3, True),
        Constraint("a version step sends vtn − vtp − 1", step * (cur.gx - cur.vtn + cur.vtp + 1), 3, True),
        Constraint("a chain row sends vtp − 1", chain_rows(cur) * (cur.gx - cur.vtp + 1), 2, True),
    ]
