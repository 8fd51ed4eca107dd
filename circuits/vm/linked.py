"""ADDMOD, MULMOD and EXP: three-operand (or wide) arithmetic on two CPU rows joined by a link word.

A CPU row consumes at most two stack words, so each of these steps runs on its opcode's row and a
FINISH row at the same pc (as a copy continues on COPYSIZE, :mod:`circuits.vm.copy`):

    ADDMOD, MULMOD  pops a (W0), b (W1); pushes the link word X (W2) where b was      8 gas
    EXP             pops a (W0); pushes X (W2) where a was                            10 + 50 · X_3 gas
    FINISH          pops X (W0) and the last operand (W1: N, or EXP's exponent e); pushes the result (W2)

The link word is X = clk + 2^24 · nb + 2^32 · kind: the opcode row's clock in bytes 0…2, EXP's
exponent byte count nb in byte 3 (0 for ADDMOD and MULMOD), kind = 0, 1, 2 for ADDMOD, MULMOD, EXP in
byte 4, zeros above (W2 bytes are range-checked, so these are plain byte facts).  The opcode row asks
the chiplet bus (:mod:`circuits.vm.chiplets`) for (a, b, X) — EXP's W1 is not consumed and goes along
as whatever it holds — and FINISH for (X, W1, result), with zflag2 = [W1 = 0] (the second zero test
reads FINISH's W1).  X is unique to the step (no two rows share a clk) and the stack's memory
argument hands FINISH exactly the X its opcode row pushed, so the two answers can only come from one
chiplet instance, which proves result = (a + b) mod N, (a · b) mod N or a^e mod 2^256
(:mod:`circuits.vm.modular`, :mod:`circuits.vm.exp`) and that nb is e's byte length.  The gas of
EXP is paid on its row: gas' = gas − 10 − 50 · X_3.  The opcode row stays at its pc (stay = 1 when it
completes) and is followed by FINISH; a FINISH row follows only them, looks up no bytecode and may
not fail (it is one of the continuation rows of :data:`circuits.vm.copy.MICRO`).

**Shared chiplet rows.**  Each instance answers the opcode row's request on a *head* row H (flag
ch_hd, the same tag for the three opcodes: X's kind byte says which) and FINISH's on a *fin* row G
(ch_fin):

    H   ch_hd            W0 = a      W1 = b        the head answer (a, b, X): the next row's W0 is X
    A   ch_mpa, inr = 0  W0 = X      W1 = a        W2 = b       (copied from H)
    …   the instance's own rows (modular: T, U, V; EXP: S, M pairs)
    B   ch_mpa, inr = 1  W0 = result W1 = W1 of G  (the last row before G)
    G   ch_fin           W0 = X      W1 = N or e   W2 = result  the fin answer (X, N or e, result)
    K   any row          W0 = result

A carries the instance's scalars, set from X: the nonce ns = X_0 + 2^8 X_1 + 2^16 X_2 (mtn), the kind
bits mk = [MULMOD] (stp) and xk = [EXP] (stn) with X_4 = mk + 2·xk, and the last operand's zero flag z
(ch_small, the fin answer's zflag2).  They are copied along the instance (on every transition that
leaves A, T, U, V, S or M, or enters G), and G checks its W0's bytes 0…2 against ns and byte 3
against the byte count nbc (mt2) — so head and fin answers belong to one instance.  A z = 1 instance
(N = 0 or e = 0) proves result = [EXP] (G: z · (Σ W2 − xk) = 0; EXP's empty chain gives 1 exactly).

The row kinds are one-hot flags (inr splits ch_mq and ch_mpa in two), and their order is pinned by
transition constraints of degree ≤ 3: H → A, A → T|S|B, B → G (and G's answer reads K's W0).
"""

from __future__ import annotations

from typing import Any

from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.opcodes import Group

OPENERS = (Group.ADDMOD, Group.MULMOD, Group.EXP)
"""The opcodes that continue on a FINISH row."""
EXPONENT_GAS = 50
"""EXP's gas per byte of the exponent."""
WIDE = 0
"""The tag code of the multiplication chiplet's wide division (no opcode group has code 0)."""
ASK_CODES = {"ch_xs": int(Group.MUL), "ch_xm": int(Group.MUL), "ch_mq": WIDE}
"""Rows that ask the multiplication chiplet (EXP's squares and multiplies, the modular rows' wide
divisions), with the tag code of what they ask."""
FLAGS = ("ch_mq", "ch_mu", "ch_mpa", "ch_xs", "ch_xm", "ch_dw")
"""The row kinds that answer nothing on the CPU bus (ch_hd and ch_fin do; ch_dw is the wide
division's first row, which answers the modular rows)."""


def opener(row: Row) -> Any:
    return E.total(row.s(g) for g in OPENERS)


def stays(row: Row) -> Any:
    """An opening row that completes holds the pc: FINISH runs at the same pc."""
    return opener(row) * E.ok(row)


def exponent_gas(row: Row) -> Any:
    """50 gas a byte of EXP's exponent, the byte count being its link word's byte 3."""
    return row.s(Group.EXP) * row.w2[3] * EXPONENT_GAS


# ---- the instance's scalars (columns the shift, memory and storage chiplets use on their own rows) ---------

def nonce(row: Row) -> Any:
    return row.mtn


def mulmod_kind(row: Row) -> Any:
    return row.stp


def exp_kind(row: Row) -> Any:
    return row.stn


def zero(row: Row) -> Any:
    return row.ch_small


def row_a(row: Row) -> Any:
    return row.ch_mpa * (1 - row.ch_inr)


def row_b(row: Row) -> Any:
    return row.ch_mpa * row.ch_inr


def row_t(row: Row) -> Any:
    return row.ch_mq * (1 - row.ch_inr)


def row_v(row: Row) -> Any:
    return row.ch_mq * row.ch_inr


def carried(cur: Row, nxt: Row) -> Any:
    """1 on a transition inside an instance (from A, T, U, V, S or M, or into G), 0 elsewhere."""
    return row_a(cur) + cur.ch_mq + cur.ch_mu + cur.ch_xs + cur.ch_xm + nxt.ch_fin


def ask_numerator(row: Row) -> Any:
    """+1 for each ask: EXP's square (S) always, its multiply (M) when the bit is 1, a modular wide
    division unless the modulus is 0."""
    return row.ch_xs + row.ch_xm * row.swb + row.ch_mq * (1 - zero(row))


def link_clock(word) -> Any:
    return E.packed(word[:3])


_fingerprints: tuple = ()


def word_fingerprints(cur: Row, nxt: Row, betas: list) -> list:
    """Σ_k β^(3+k) · limb_k of cur's W0, W1, W2 and nxt's W0, W1, W2 (the stack bus's word fingerprint,
    :mod:`circuits.vm.bus`), computed once per row pair."""
    global _fingerprints
    if _fingerprints and _fingerprints[0] is cur and _fingerprints[1] is nxt and _fingerprints[2] is betas:
        return _fingerprints[3]
    limb_betas = betas[3:3 + 32]
    out = [E.lincomb(limb_betas, list(w)) for w in (cur.w0, cur.w1, cur.w2, nxt.w0, nxt.w1, nxt.w2)]
    _fingerprints = (cur, nxt, betas, out)
    return out


def fingerprint(values: list, betas: list) -> Any:
    """Σ_k β^(3+k) · values_k (a word's fingerprint for a word given limb by limb)."""
    return E.lincomb(betas[3:3 + len(values)], values)


def relay(gate, dst, src, name: str, degree: int, cyclic: bool = False) -> Constraint:
    """gate · (fp(dst) − fp(src)) = 0: a word copied between (or within) rows, checked through its
    fingerprint with the challenge β (the words are committed before β is drawn, so two different
    words share a fingerprint with probability below 35/|F_p^5|)."""
    return Constraint(name, E.scale(dst - src, gate), degree, cyclic)


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    ok = E.ok(cur)
    opens = opener(cur)
    w2 = cur.w2
    finish = nxt.s(Group.FINISH)
    out = [
        # the CPU rows
        Constraint("link word bytes 0…2 are the clk", opens * ok * (link_clock(w2) - cur.clk), 3, True),
        Constraint("link word byte 4 is the kind", opens * ok * (w2[4] - cur.s(Group.MULMOD) - cur.s(Group.EXP) * 2),
                   3, True),
        Constraint("link word has no bytes above 4", opens * E.total(w2[5:]), 2, True),
        Constraint("ADDMOD and MULMOD link words have no byte count",
                   (cur.s(Group.ADDMOD) + cur.s(Group.MULMOD)) * w2[3], 2, True),
        Constraint("ADDMOD, MULMOD and EXP continue on FINISH", opens * ok * (1 - finish), 3, False),
        Constraint("FINISH follows ADDMOD, MULMOD or EXP", finish * (1 - opens), 2, False),
        # the head, its A row, the B row and the fin answer
        Constraint("the head is followed by an A row", cur.ch_hd * (1 - nxt.ch_mpa), 2, False),
        Constraint("the row after the head is A", cur.ch_hd * nxt.ch_inr, 2, False),
        Constraint("an A row follows a head", row_a(nxt) * (1 - cur.ch_hd), 3, False),
        Constraint("A is followed by T, S or B", row_a(cur) * (1 - nxt.ch_mq - nxt.ch_xs - nxt.ch_mpa), 3, False),
        Constraint("B follows V, M or A", row_b(nxt) * (1 - cur.ch_mq - cur.ch_xm - cur.ch_mpa), 3, False),
        Constraint("B is followed by the fin row", row_b(cur) * (1 - nxt.ch_fin), 3, False),
        Constraint("the fin row follows a B row", nxt.ch_fin * (1 - cur.ch_mpa), 2, False),
        Constraint("the fin row follows B, not A", nxt.ch_fin * (1 - cur.ch_inr), 2, False),
        Constraint("A's nonce is X's clk", cur.ch_hd * (nonce(nxt) - link_clock(nxt.w0)), 2, False),
        Constraint("A's kind is X's byte 4", cur.ch_hd * (nxt.w0[4] - mulmod_kind(nxt) - exp_kind(nxt) * 2), 2,
                   False),
        Constraint("mk is 0 or 1", cur.ch_hd * mulmod_kind(nxt) * (1 - mulmod_kind(nxt)), 3, False),
        Constraint("xk is 0 or 1", cur.ch_hd * exp_kind(nxt) * (1 - exp_kind(nxt)), 3, False),
        Constraint("the exponent's bytes start at 0 on A", cur.ch_hd * nxt.mt2, 2, False),
        Constraint("the exponent's byte prefix starts at 0 on A", cur.ch_hd * nxt.mt1, 2, False),
        Constraint("the fin row's X is the instance's", cur.ch_fin * (link_clock(cur.w0) - nonce(cur)), 2, True),
        Constraint("the fin row's X byte 3 is the byte count", cur.ch_fin * (cur.w0[3] - cur.mt2), 2, True),
        Constraint("a zero last operand gives [EXP]", cur.ch_fin * zero(cur) * (E.total(cur.w2) - exp_kind(cur)),
                   3, True),
    ]
    gate = carried(cur, nxt)
    for name, get in (("nonce", nonce), ("mk", mulmod_kind), ("xk", exp_kind), ("z", zero)):
        out.append(Constraint(f"instance {name} carried", gate * (get(nxt) - get(cur)), 3, False))
    return out


def aux_constraints(cur: Row, nxt: Row, betas: list) -> list[Constraint]:
    """The word copies of the head, A, B, fin and K rows."""
    c0, c1, c2, n0, n1, n2 = word_fingerprints(cur, nxt, betas)
    return [relay(cur.ch_hd, n1, c0, "A holds a", 2),
            relay(cur.ch_hd, n2, c1, "A holds b", 2),
            relay(nxt.ch_fin, n2, c0, "the fin row holds the result", 2),
            relay(nxt.ch_fin, c1, n1, "B holds the last operand", 2),
            relay(cur.ch_fin, n0, c2, "the fin answer's result", 2)]
