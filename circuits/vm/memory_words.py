"""Memory words: each word's zero initial version and its final contents, and the returned data.

One *word row* (flag ch_mreg) per memory word w the run touches (and per word of the returned
region), in strictly increasing order of w:

    W0 = 0, mt1 = 0       produces the version (w, 0, 0…0): memory starts zeroed
    W1 = final, mt2       consumes the version (w, t_last, final): the word's last contents
    W2 = w (3 bytes), w − w_prev − 1 (3 bytes)

(both fractions are the memory bus column's, see :mod:`circuits.vm.memory_chiplet`).  lastw carries
the index of the latest word row down the trace (lastw' = lastw + ch_mreg' · (w' − lastw), starting at
−1), and a word row needs w − lastw − 1 ≥ 0 and w < 2^24 as bytes, so the indices are distinct
integers: no word gets two initial versions, and every version chain of a word starts at zero.

When the public output is non-empty, each word w of the returned region has an *output row* (flag
ch_mout) right after its word row: W1 = the same final contents (copied), W0 = a bit per limb (the
mask), W2 = W0 ⊙ W1 (limb by limb), which looks up ``(TAG_OUT, w, W2 in 3-byte chunks, mask in two
16-bit halves)`` — an entry built from the public output that must be looked up exactly once
(:mod:`circuits.vm.tables`).  So every returned byte is the byte memory holds at the end.
"""

from __future__ import annotations

from typing import Any

from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.tables import CHUNKS, ONCE, TAG_OUT


def output_fp(row: Row, betas: list) -> Any:
    mask = row.w0
    fields = [row.mw, *E.chunks3(row.w2), E.packed(mask[:16], 2), E.packed(mask[16:], 2), 1]
    return E.lincomb([*betas[1:2 + CHUNKS + 2], betas[ONCE]], fields) + TAG_OUT


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    reg, out_row = cur.ch_mreg, cur.ch_mout
    out = [
        Constraint("a word row starts from zero at time 0", reg * cur.mt1, 2, True),
        Constraint("word row index = its bytes", reg * (cur.mw - E.packed(cur.w2[0:3])), 2, True),
        Constraint("word rows strictly increase",
                   nxt.ch_mreg * (nxt.mw - cur.lastw - 1 - E.packed(nxt.w2[3:6])), 2, False),
        Constraint("lastw' = latest word row", nxt.lastw - cur.lastw - nxt.ch_mreg * (nxt.mw - cur.lastw), 2, False),
        Constraint("an output row follows a word row", nxt.ch_mout * (1 - reg), 2, False),
        Constraint("an output row checks its word row's word", nxt.ch_mout * (nxt.mw - cur.mw), 2, False),
    ]
    w0, w1, w2, nw1 = list(cur.w0), list(cur.w1), list(cur.w2), list(nxt.w1)
    out += E.named(E.family(lambda x: reg * x, w0), "word row initial limb {} is 0", 2, True)
    out += E.named(E.family(lambda x, y: nxt.ch_mout * (x - y), nw1, w1), "output row copies final limb {}", 2, False)
    out += E.named(E.family(lambda x: out_row * x * (1 - x), w0), "output mask bit {} is 0 or 1", 3, True)
    out += E.named(E.family(lambda m_, f_, o_: out_row * (o_ - m_ * f_), w0, w1, w2), "output limb {} is masked",
                   3, True)
    return out
