"""Chiplets: rows after the run that each prove one operation too wide for a CPU row.

A CPU row has room for three words (W0, W1, W2) and 50 byte range checks.  An operation whose check
needs more — a byte-wise AND through nibble lookups, a shift with its one-hot byte position and its
carries, a 256-bit multiplication — is proven on *chiplet rows* instead: rows after the halt and the stack drain, which the CPU
constraints see as idle padding (halted, no selector, no drain), so their word columns and their 32
W2 range-check slots are free.  A bitwise or shift instance takes two consecutive rows (the
multiplication chiplet, :mod:`circuits.vm.mul_chiplet`, six, answering from its second):

    row 1   flag ch_<op>   W0 = first operand    W1 = second operand   W2 = 32 looked-up helper values
    row 2   flag ch_<x>2   W0 = result           W1 = helper word      W2 = 32 looked-up helper values

**Requests.**  A CPU row whose opcode a chiplet proves sends, with numerator s_op · (1 − err), the
tuple

    (TAG_REQUEST + group code, zflag2, sb, W0, W1, W2)           (99 fields, β-compressed)

and the first row of a chiplet instance answers with numerator −ch_op and the tuple

    (TAG_REQUEST + group code of ch_op, ch_small, ch_neg, W0, W1, W2 of the next row's W0)

(sb is the sign bit of W1 on SAR rows and 0 on every other row that asks, see
:mod:`circuits.vm.comparison`; ch_neg is SAR's sign on the shift chiplet and 0 elsewhere.)  A signed
division's third row asks the multiplication chiplet for an unsigned DIV or MOD with the answer's
tuple shape and numerator +ch_sq or +ch_sr (:mod:`circuits.vm.signed_division`); so do EXP's rows for
MUL and the ADDMOD and MULMOD rows for the wide division (code 0, :mod:`circuits.vm.linked`).
ADDMOD, MULMOD and EXP share one answering flag and so one tag (their link word says which).

in one auxiliary column of the LogUp sum (it reads the next row, so its pinning constraint skips the
last row and an assertion sets it to 0 there).  The tags are linear in the one-hot selectors and
flags, so both fingerprints are linear and the column's constraint has degree 3.  The sum balances
only if every proven operation has exactly the answers the CPU asked for: the chiplet's result is the
word the CPU pushed.

**Flags.**  The answering rows' flags (one per opcode: ch_and, ch_or, ch_xor, ch_shl, ch_shr, ch_byte,
ch_sar, ch_sx, ch_mul, ch_div, ch_mod, ch_sdiv, ch_smod) and the other rows' flags are bits, at most
one is set on a row, and only on halted rows that do not drain.  Each chiplet module ties its two rows together: row 1 ⟹
the next row is its row 2, and a row 2 follows a row 1.
"""

from __future__ import annotations

from typing import Any

from circuits.vm import expr as E
from circuits.vm import linked
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.opcodes import Group
from circuits.vm.tables import TAG_REQUEST

FIRST_ROW_FLAGS: dict[Group, str] = {
    Group.AND: "ch_and", Group.OR: "ch_or", Group.XOR: "ch_xor",
    Group.SHL: "ch_shl", Group.SHR: "ch_shr", Group.BYTE: "ch_byte", Group.SAR: "ch_sar", Group.SIGNEXTEND: "ch_sx",
    Group.MUL: "ch_mul", Group.DIV: "ch_div", Group.MOD: "ch_mod", Group.SDIV: "ch_sdiv", Group.SMOD: "ch_smod",
    Group.ADDMOD: "ch_hd", Group.MULMOD: "ch_hd", Group.EXP: "ch_hd", Group.FINISH: "ch_fin",
}
"""Each opcode a chiplet proves, with the flag of its instances' answering row (ADDMOD, MULMOD and EXP
share their head row, :mod:`circuits.vm.linked`)."""
ANSWER_CODES: dict[str, int] = {}
for _g, _f in FIRST_ROW_FLAGS.items():
    ANSWER_CODES.setdefault(_f, int(_g))
ANSWER_CODES["ch_dw"] = linked.WIDE
del _g, _f
"""The tag code of each answering flag: its first opcode's group code (a shared flag answers with
one tag, and its opcodes ask with it), and the wide division's code."""
DIVISIONS = (Group.DIV, Group.MOD, Group.SDIV, Group.SMOD)
INNER_REQUEST_FLAGS: dict[Group, str] = {Group.DIV: "ch_sq", Group.MOD: "ch_sr"}
"""Chiplet rows that ask another chiplet: a signed division's unsigned DIV or MOD on |a|, |b|
(:mod:`circuits.vm.signed_division`), sent like an answer but with numerator +1."""
SECOND_ROW_FLAGS = ("ch_bw2", "ch_sh2", "ch_n0", "ch_n2", "ch_n3", "ch_n4", "ch_n5", "ch_sd2",
                    *INNER_REQUEST_FLAGS.values(), "ch_sd4")
"""The other rows of a chiplet instance: bitwise, shift, the multiplication chiplet's
(:mod:`circuits.vm.mul_chiplet`) and the signed division's (:mod:`circuits.vm.signed_division`)."""
MEMORY_FLAGS = ("ch_m0", "ch_mld", "ch_mst", "ch_mst8", "ch_msth", "ch_m2", "ch_mreg", "ch_mout")
"""The memory chiplet's rows (:mod:`circuits.vm.memory_chiplet`, :mod:`circuits.vm.memory_words`),
which answer over their own bus columns."""
STORAGE_FLAGS = ("ch_sld", "ch_sst", "ch_s2", "ch_slot", "ch_slot2")
"""The storage chiplet's rows (:mod:`circuits.vm.storage_chiplet`)."""
CHAIN_FLAGS = ("ch_acct", "ch_tslot", "ch_gap")
"""Account, transient-slot and gap rows (:mod:`circuits.vm.accounts`, :mod:`circuits.vm.transient`,
:mod:`circuits.vm.gaps`), which answer over their own bus columns."""
ALL_FLAGS = tuple(dict.fromkeys((*FIRST_ROW_FLAGS.values(), *SECOND_ROW_FLAGS, *MEMORY_FLAGS, *STORAGE_FLAGS,
                                  *linked.FLAGS, *CHAIN_FLAGS)))
REQUEST_FIELDS = 3 + 3 * 32


def any_flag(row: Row) -> Any:
    return E.total(getattr(row, f) for f in ALL_FLAGS)


def request_numerator(row: Row) -> Any:
    """s_op · (1 − err): a step that completes asks for its check (DIV and MOD only when the divisor
    is not zero: askd, see :mod:`circuits.vm.arithmetic`)."""
    return E.total(row.s(g) for g in FIRST_ROW_FLAGS if g not in DIVISIONS) * E.ok(row) + row.askd


def request_fp(row: Row, betas: list) -> Any:
    tag = E.total(row.s(g) * (TAG_REQUEST + ANSWER_CODES[f]) for g, f in FIRST_ROW_FLAGS.items())
    words = [*row.w0, *row.w1, *row.w2]
    return E.lincomb(betas[1:REQUEST_FIELDS], [row.zflag2, row.sb, *words]) + tag


def response_numerator(row: Row) -> Any:
    answers = E.total(getattr(row, f) for f in ANSWER_CODES)
    return E.total(getattr(row, f) for f in INNER_REQUEST_FLAGS.values()) + linked.ask_numerator(row) - answers


def response_fp(cur: Row, nxt: Row, betas: list) -> Any:
    codes = [*ANSWER_CODES.items(), *((f, int(g)) for g, f in INNER_REQUEST_FLAGS.items()), *linked.ASK_CODES.items()]
    tag = E.total(getattr(cur, f) * (TAG_REQUEST + code) for f, code in codes)
    words = [*cur.w0, *cur.w1, *nxt.w0]
    return E.lincomb(betas[1:REQUEST_FIELDS], [cur.ch_small, cur.ch_neg, *words]) + tag


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    out = []
    for f in ALL_FLAGS:
        v = getattr(cur, f)
        out.append(Constraint(f"{f} is 0 or 1", v * (1 - v), 2, True))
    flags = any_flag(cur)
    out.append(Constraint("one chiplet flag at most", flags * (1 - flags), 2, True))
    out.append(Constraint("chiplets only after the halt", flags * (1 - cur.halted), 2, True))
    out.append(Constraint("chiplets not on drain rows", flags * cur.drain, 2, True))
    return out
