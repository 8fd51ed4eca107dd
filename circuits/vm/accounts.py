"""Account reads: SELFBALANCE, BALANCE, EXTCODESIZE and EXTCODEHASH, with EIP-2929 warm/cold gas.

**Public data.**  In one call frame with no calls nothing changes an account's balance or code, so
what these opcodes read is public (:class:`circuits.vm.air.VmStatement`): ``self_balance`` and
``accounts``, the (address, balance, code size, code hash) of every address the run reads, by
address.  The verifier builds the entries (:func:`circuits.vm.tables.account_entries`)

    (TAG_ACCOUNT + group, a_0 … a_6, c_0 … c_10)    the value of one field of one account
    (TAG_AINIT, a_0 … a_6, w, 0 …, once)            per listed account; w = 1 when it is warm at the
                                                    start: a precompile (0x01…0x0a), the executing
                                                    address, the caller or the origin

(a: the address's bytes in 3-byte chunks, c: the value's) and SELFBALANCE's ``(TAG_ACCOUNT +
SELFBALANCE, 0, chunks(self_balance))`` when the code holds its byte.

**Steps.**  BALANCE, EXTCODESIZE and EXTCODEHASH pop an address word (W0; the EVM reads its low 20
bytes, so the entries are keyed by W0's bytes 0…19 and the rest is ignored) and push W2; SELFBALANCE
pushes W2.  A step that completes looks up, on the lookup column,

    (TAG_ACCOUNT + group, a(W0), chunks(W2))

so the pushed word is the listed value (W2 is range-checked: 32 bytes, as every stack word).
SELFBALANCE pops nothing: its W0 is no stack word, and its entry's zero key pins it.

**Warm and cold.**  Every listed address has a chain of *versions* ``(TAG_AVER, address bytes, time,
warm)`` on its own bus column (each produced version consumed exactly once):

    access at clk t    consumes (a, vtp, awb), produces (a, vtn = t, awn = 1)
                       pays 100 (static) + 2500 · acold,   acold = [it completes] · (1 − awb)
    account row        (one per listed account, after the halt, flag ch_acct) produces (a, 0, awn) and
                       consumes (a, vtp, awb); looks up its once-entry (TAG_AINIT, a, W2_0) with
                       awn = W2_0 (W2's other bytes 0 by the entry)

and every access sends vtn − vtp − 1, every account row vtp − 1, to the gap rows, which prove it in
[0, 2^24) (:mod:`circuits.vm.gaps`).  Why the gas is EIP-2929's:

1. Each listed address has exactly one account row (its once-entry is looked up exactly once, and
   the verifier lists each address once), so exactly one *initial* version (a, 0, w) with w its
   public pre-warm flag.  An access completes only with a word on the stack, so never at clk 0: the
   accesses' versions have distinct times ≥ 1, none equal to the initial one.
2. An access at t consumes a version of time t − 1 − gap ≤ t − 1 (times are below 2^22 and gaps
   below 2^24, so the produced version it must match has a smaller time as an integer).  Order a's
   accesses t_1 < … < t_k: the first i of them consume i distinct versions (each version is consumed
   once) among the i versions older than t_i (the initial one and t_1 … t_{i−1}); so access i
   consumes exactly version t_{i−1} — the first one the initial version, with awb = w, every later
   one a version an access produced, with awb = 1.  acold is thus 1 exactly on the first read of an
   address that is not warm at the start, as EIP-2929 charges it.
3. The account row consumes what is left, t_k's version, and vtp − 1 ≥ 0 says k ≥ 1: every listed
   account was read.  An address read but not listed has no initial version, so its first access
   consumes a version nobody produced: every address read is listed.

An account row's address bytes need not be range-checked: a row that matched its entry with other
limbs than the accesses' bytes would start a chain no access continues, and consume its own initial
version (vtp = 0, not a gap).
"""

from __future__ import annotations

from typing import Any

from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.opcodes import Group
from circuits.vm.tables import (ACCOUNT_KEY, ACCOUNT_VALUE, ADDRESS_CHUNKS, CHUNKS, ONCE, TAG_ACCOUNT, TAG_AINIT,
                                TAG_AVER)

READS = (Group.BALANCE, Group.EXTCODESIZE, Group.EXTCODEHASH)
"""The opcodes that pop an address and read one of its fields (and warm it)."""
LOOKUPS = (Group.SELFBALANCE, *READS)
ADDRESS_BYTES = 20
COLD_EXTRA = 2600 - 100
"""EIP-2929: a cold account access costs 2600, a warm one the static 100."""
VERSION_FIELDS = 1 + ADDRESS_BYTES + 2


def address_chunks(limbs) -> list:
    """Bytes 0…19 of a word in seven 3-byte chunks (the last holds two), as the entries key addresses."""
    return [E.packed(limbs[3 * k:min(3 * k + 3, ADDRESS_BYTES)]) for k in range(ADDRESS_CHUNKS)]


def access(row: Row) -> Any:
    """1 on a BALANCE, EXTCODESIZE or EXTCODEHASH step that completes."""
    return E.total(row.s(g) for g in READS) * E.ok(row)


def cold_gas(row: Row) -> Any:
    """What a cold access pays beyond the static 100."""
    return row.acold * COLD_EXTRA


def version_fractions(cur: Row, betas: list) -> list[tuple[Any, Any]]:
    """An access or an account row consumes (a, vtp, awb) and produces (a, vtn, awn)."""
    moves = access(cur) + cur.ch_acct
    address = list(cur.w0[:ADDRESS_BYTES])
    fields = betas[1:VERSION_FIELDS]
    consumed = E.lincomb(fields, [*address, cur.vtp, cur.awb]) + TAG_AVER
    produced = E.lincomb(fields, [*address, cur.vtn, cur.awn]) + TAG_AVER
    return [(-moves, consumed), (moves, produced)]


def lookup_fraction(cur: Row, betas: list) -> tuple[Any, Any]:
    """A completing step looks up its value entry, an account row its once-entry (both linear)."""
    ok = E.ok(cur)
    tag = E.total(cur.s(g) * (TAG_ACCOUNT + int(g)) for g in LOOKUPS) + cur.ch_acct * TAG_AINIT
    fields = [*betas[ACCOUNT_KEY:ACCOUNT_KEY + ADDRESS_CHUNKS], *betas[ACCOUNT_VALUE:ACCOUNT_VALUE + CHUNKS],
              betas[ONCE]]
    fp = E.lincomb(fields, [*address_chunks(cur.w0), *E.chunks3(cur.w2), cur.ch_acct]) + tag
    return E.total(cur.s(g) for g in LOOKUPS) * ok + cur.ch_acct, fp


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    reads = access(cur)
    return [
        Constraint("awb is 0 or 1", cur.awb * (1 - cur.awb), 2, True),
        Constraint("acold = a completing account read of a cold address", cur.acold - reads * (1 - cur.awb), 3, True),
        Constraint("an account read leaves the address warm", reads * (cur.awn - 1), 3, True),
        Constraint("an account's first version is at time 0", cur.ch_acct * cur.vtn, 2, True),
        Constraint("an account's first version is warm as its entry says", cur.ch_acct * (cur.awn - cur.w2[0]), 2,
                   True),
    ]
