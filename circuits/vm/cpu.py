"""CPU constraints every row obeys, whatever the opcode: selectors, flags, clock, gas, stack pointer,
halting and status.

State carried from row to row (cur → nxt), for a live row with err = e_oog + e_uf + e_of + e_jd +
s_invalid + e_rd (err ∈ {0, 1}: one error kind at most) and pops = 1 − err + e_jd + e_rd:

    clk'    = clk + 1
    gas'    = (1 − err) · (gas − static_gas) − expansion  an error burns all gas; expansion is the
                                                          memory gas 3·(ms' − ms) + mq' − mq
                                                          (and a copy's 3 per word, a storage step's sgas,
                                                          a KECCAK256 or LOG unit's ugas, EXP's
                                                          50 a byte of its exponent, a cold account
                                                          read's 2500)
    sp'     = sp + pops · Δ − drain                       padding rows drain the stack, one word a row
    halted' = halted + err + (1 − err)(s_stop + s_return + s_revert)
    status' = status + (1 − err)(s_stop + s_return + 2 s_revert) + 3 err

Padding rows have no selector set, so static gas and Δ vanish and the same identities keep gas and
status constant after the halt.  Range facts, each proven with bytes looked up in the range table:

    gas = g0 + 2^8 g1 + 2^16 g2 + 2^24 g3, g3 < 64   so gas' ≥ 0: no step runs out of gas unnoticed
    1024 − sp = l0 + 2^8 l1                          no stack overflow
    u0 + 2^8 u1 = sp − need       (no underflow)     or need − 1 − sp (underflow proven, e_uf = 1)
    oogd = e_oog · (static_gas − 1 − gas)            a byte: out of gas proven
"""

from __future__ import annotations

from circuits.vm import expr as E
from circuits.vm import accounts, copy, linked, memory
from circuits.vm.expr import Constraint
from circuits.vm.layout import STACK_LIMIT, Row
from circuits.vm.opcodes import RUNNING, Group


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    out: list[Constraint] = []
    for g in Group:
        s = cur.s(g)
        out.append(Constraint(f"s_{g.name.lower()} is 0 or 1", s * (1 - s), 2, True))
    out.append(Constraint("one selector on a live row", E.total(cur.s(g) for g in Group) - E.live(cur), 1, True))
    for name in ("halted", "drain", "e_oog", "e_uf", "e_of", "e_jd"):
        v = getattr(cur, name)
        out.append(Constraint(f"{name} is 0 or 1", v * (1 - v), 2, True))
    err_ = E.err(cur)
    out.append(Constraint("one error kind at most", err_ * (1 - err_), 2, True))
    out.append(Constraint("errors only on live rows",
                          cur.halted * (cur.e_oog + cur.e_uf + cur.e_of + cur.e_jd), 2, True))
    out.append(Constraint("drain only after the halt", cur.drain * E.live(cur), 2, True))
    running = E.by_spec(cur, lambda g, s: 1 if s.halts == RUNNING else 0)
    out.append(Constraint("cont = a step that continues", cur.cont - running * E.ok(cur), 2, True))

    # range decompositions
    out.append(Constraint("gas = its four bytes", cur.gas - E.packed(cur.gas_limbs), 1, True))
    out.append(Constraint("1024 − sp = two bytes", (STACK_LIMIT - cur.sp) - E.packed(cur.spl), 1, True))
    need = E.stack_need(cur)
    depth_test = (1 - cur.e_uf) * (cur.sp - need) + cur.e_uf * (need - 1 - cur.sp)
    out.append(Constraint("stack depth test = two bytes", E.packed(cur.spu) - depth_test, 3, True))
    out.append(Constraint("out-of-gas gap", cur.oogd - cur.e_oog * (E.static_gas(cur) - 1 - cur.gas), 2, True))

    # transitions
    err = E.err(cur)
    ok = E.ok(cur)
    out.append(Constraint("clk' = clk + 1", nxt.clk - cur.clk - 1, 1, False))
    out.append(Constraint("gas' = gas − static gas (all gas on error)",
                          nxt.gas - ok * (cur.gas - E.static_gas(cur)) + memory.expansion_gas(cur, nxt)
                          + copy.word_gas(cur) + cur.sgas + cur.ugas + linked.exponent_gas(cur)
                          + accounts.cold_gas(cur) + cur.ccost, 2, False))
    out.append(Constraint("sp' = sp + Δ − drain", nxt.sp - cur.sp - E.pops(cur) * E.stack_delta(cur) + cur.drain, 2, False))
    stops = cur.s(Group.STOP) + cur.s(Group.RETURN) + cur.s(Group.REVERT)
    out.append(Constraint("halted' = halted + halts", nxt.halted - cur.halted - err - ok * stops, 2, False))
    success = cur.s(Group.STOP) + cur.s(Group.RETURN)
    out.append(Constraint("status' = status + halt code",
                          nxt.status - cur.status - ok * (success + cur.s(Group.REVERT) * 2) - err * 3, 2, False))
    return out
