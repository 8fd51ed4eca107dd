"""LOG0–LOG4: emit a log — n topics popped and a memory range read, matched against public entries.

LOGn pops offset (W0) and size (W1) on its row and needs n more words on the stack (n comes from the
bytecode table, as DUPn's does; a shorter stack is a proven underflow); it pays 375 gas there.  Then,
at the same pc:

    LOGTOPIC × n    each pops one topic (W0, the stack's top), 375 gas, and looks up
                    (TAG_LOGTOPIC, key, tidx, W0): tidx = 0 on the first, + 1 on each next
    COPYUNIT × k    read the data, 8 gas a byte plus the memory expansion (kind klog)

(:mod:`circuits.vm.reads`), and the LOG row looks up ``(TAG_LOG, clk, size, n)``.  So the statement's
``logs`` entry keyed with the row's clk lists the n topics in the order the EVM pops them and the bytes
memory held at [offset, offset + size); the emitting address is the statement's ``address``.  A LOG
that runs out of gas is proven when its 375 static gas alone is not there; otherwise it is refused
(:mod:`circuits.vm.proven`).
"""

from __future__ import annotations

from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.opcodes import Group


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    log, topic, next_topic = cur.s(Group.LOG), cur.s(Group.LOGTOPIC), nxt.s(Group.LOGTOPIC)
    return [
        Constraint("tidx only on topic and CALLARG rows", cur.tidx * (1 - topic - cur.s(Group.CALLARG)), 2, True),
        Constraint("a topic row follows LOG or a topic row", next_topic * (1 - log - topic), 2, False),
        Constraint("the first topic is topic 0", log * next_topic * nxt.tidx, 3, False),
        Constraint("topics are numbered in order", topic * next_topic * (nxt.tidx - cur.tidx - 1), 3, False),
        # the first unit reads the data (one kind a unit: no copy or hash kind)
        Constraint("log kind in", (log + topic) * nxt.s(Group.COPYUNIT) * (nxt.klog - 1), 3, False),
    ]
