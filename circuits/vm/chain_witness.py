"""Witness generation for account reads and transient storage: their version chains, the account,
slot and gap rows, what the statement lists of them, and how often their entries are looked up.

:func:`replay` walks the steps that touch a chain (account reads, SELFBALANCE, TLOAD, TSTORE — a short
pass over those steps only, addresses and slots kept in dicts); the rows and the lookup counts are
whole-array numpy.  See :mod:`circuits.vm.accounts`, :mod:`circuits.vm.transient` and
:mod:`circuits.vm.gaps` for what the columns mean.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from circuits.field import P
from circuits.vm import layout as L
from circuits.vm.accounts import LOOKUPS
from circuits.vm.opcodes import Group
from circuits.vm.tables import (ACCOUNT_KEY, ACCOUNT_VALUE, ADDRESS_CHUNKS, CHUNKS, ENTRY_WIDTH, ONCE, TAG_ACCOUNT,
                                TAG_AINIT, TAG_TINIT, Environment, hit_counts, prewarmed)

ADDRESS_MASK = (1 << 160) - 1
FIELD_OF = {int(Group.BALANCE): 0, int(Group.EXTCODESIZE): 1, int(Group.EXTCODEHASH): 2}
"""Which of (balance, code size, code hash) each account read pushes."""
CHAIN_GROUPS = [int(g) for g in (*LOOKUPS, Group.TLOAD, Group.TSTORE)]


@dataclass
class Chains:
    """Per step row: the chain columns (zero off the chain steps); the statement's lists; the account,
    slot and gap rows (one block, placed among the chiplet rows)."""

    vtp: np.ndarray
    vtn: np.ndarray
    gx: np.ndarray
    awb: np.ndarray
    awn: np.ndarray
    acold: np.ndarray
    accounts: tuple[tuple[int, int, int, int], ...]
    self_balance: int
    transient: tuple[int, ...]
    rows: np.ndarray


def _words(values: list[int]) -> np.ndarray:
    if not values:
        return np.zeros((0, 32), dtype=np.int64)
    raw = b"".join(v.to_bytes(32, "little") for v in values)
    return np.frombuffer(raw, dtype=np.uint8).reshape(len(values), 32).astype(np.int64)


def _gap_bytes(values: np.ndarray) -> np.ndarray:
    """Three little-endian limbs of each gap: bytes, except that the top limb takes what is left (a
    negative gap of a false trace then fails its range lookup)."""
    return np.stack([values & 0xFF, (values >> 8) & 0xFF, values >> 16], axis=1)


def replay(records: list, group: np.ndarray, ok: np.ndarray, env: Environment, check: bool = True) -> Chains:
    """The chains of the completing chain steps among ``records`` (step records, one per row, with
    their ``group`` codes and ``ok`` flags), called in ``env``; ValueError when the recorded values
    are not a run (only with ``check``)."""
    n = len(records)
    vtp, vtn, gx, awb, awn, acold = (np.zeros(n, dtype=np.int64) for _ in range(6))
    warm = prewarmed(env)
    last: dict[int, int] = {}
    fields: dict[int, list[int | None]] = {}
    self_balance = 0
    t_last: dict[int, int] = {}
    t_value: dict[int, int] = {}
    for r in np.nonzero(np.isin(group, CHAIN_GROUPS) & (ok == 1))[0].tolist():  # the chain steps only
        s, g = records[r], int(group[r])
        if g == int(Group.SELFBALANCE):
            self_balance = s.pushes[0]
            continue
        if g in FIELD_OF:
            a = s.pops[0] & ADDRESS_MASK
            prev, was_warm = last.get(a, 0), int(a in last or a in warm)
            vtp[r], awb[r], vtn[r], awn[r], acold[r], gx[r] = prev, was_warm, r, 1, 1 - was_warm, r - prev - 1
            last[a] = r
            # the statement lists the account as recorded (the pushed field when nothing else was)
            known = fields.setdefault(a, [None, None, None])
            seen = list(s.account) if s.account is not None else [None] * 3
            if s.account is None:
                seen[FIELD_OF[g]] = s.pushes[0]
            elif check and s.account[FIELD_OF[g]] != s.pushes[0]:
                raise ValueError(f"the account read at pc {s.pc} pushed a value its account does not hold")
            for k, v in enumerate(seen):
                if known[k] is None:
                    known[k] = v
            continue
        slot = s.pops[0]
        prev, value = t_last.get(slot, 0), t_value.get(slot, 0)
        vtp[r], vtn[r], gx[r] = prev, r, r - prev - 1
        if check and (s.pushes[0] if g == int(Group.TLOAD) else s.slot_before) != value:
            raise ValueError(f"the transient slot read at pc {s.pc} holds another value")
        t_last[slot] = r
        if g == int(Group.TSTORE):
            t_value[slot] = s.pops[1]
    addresses, slots = sorted(last), sorted(t_last)
    accounts = tuple((a, *(v or 0 for v in fields[a])) for a in addresses)
    return Chains(vtp, vtn, gx, awb, awn, acold, accounts, self_balance, tuple(slots),
                  _rows(addresses, [last[a] for a in addresses], warm, slots, [t_last[s] for s in slots],
                        [t_value.get(s, 0) for s in slots], gx[vtn > 0]))


def _rows(addresses: list[int], a_last: list[int], warm: frozenset[int], slots: list[int], s_last: list[int],
          s_value: list[int], step_gaps: np.ndarray) -> np.ndarray:
    """One row per account, one per transient slot (by address, by slot), then one gap row per gap sent."""
    na, ns = len(addresses), len(slots)
    chain_gaps = np.array([*a_last, *s_last], dtype=np.int64) - 1
    gaps = np.concatenate([step_gaps, chain_gaps]).astype(np.int64)
    out = np.zeros((na + ns + len(gaps), L.WIDTH), dtype=np.int64)
    out[:, L.CH_POW] = 1
    acct, slot, gap = out[:na], out[na:na + ns], out[na + ns:]
    pre = np.array([int(a in warm) for a in addresses], dtype=np.int64)
    acct[:, L.CH_ACCT] = 1
    acct[:, L.W0_OFFSET:L.W0_OFFSET + 32] = _words(addresses)
    acct[:, L.W2_OFFSET] = pre
    acct[:, L.AWN] = pre
    acct[:, L.AWB] = 1  # the last version is an access's: warm
    acct[:, L.VTP] = a_last
    slot[:, L.CH_TSLOT] = 1
    slot[:, L.W0_OFFSET:L.W0_OFFSET + 32] = _words(slots)
    slot[:, L.W2_OFFSET:L.W2_OFFSET + 32] = _words(s_value)
    slot[:, L.VTP] = s_last
    out[:na + ns, L.GX] = chain_gaps
    gap[:, L.CH_GAP] = 1
    gap[:, L.W2_OFFSET:L.W2_OFFSET + 3] = _gap_bytes(gaps)
    return out


# ---- lookup counts ---------------------------------------------------------------------------------

def _chunks(limbs: np.ndarray) -> np.ndarray:
    """(m, 32) limbs (field elements) → (m, 11) 3-byte chunks mod p."""
    padded = np.concatenate([limbs, np.zeros((len(limbs), 1), dtype=np.int64)], axis=1) % P
    return (padded[:, 0::3] + padded[:, 1::3] * 256 + padded[:, 2::3] * 65536) % P


def lookups(Ti: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(numerators, (m, ENTRY_WIDTH) tuples) of the rows that look up an account or transient slot
    entry, as :func:`circuits.vm.accounts.lookup_fraction` and :func:`circuits.vm.transient.init_fraction`
    form them (field elements as int64)."""
    def col(c):
        return Ti[:, c] % P

    err = (col(L.E_OOG) + col(L.E_UF) + col(L.E_OF) + col(L.E_JD) + col(L.E_RD) + col(L.sel(Group.INVALID))
           + col(L.E_ST)) % P
    sel = {g: col(L.sel(g)) for g in LOOKUPS}
    acct, tslot = col(L.CH_ACCT), col(L.CH_TSLOT)
    steps = sum(sel.values()) % P
    num_a = (steps * ((1 - err) % P) + acct) % P
    at_a, at_t = np.nonzero(num_a)[0], np.nonzero(tslot)[0]
    found_a = np.zeros((len(at_a), ENTRY_WIDTH), dtype=np.int64)
    found_a[:, 0] = (sum(sel[g][at_a] * (TAG_ACCOUNT + int(g)) for g in LOOKUPS) + acct[at_a] * TAG_AINIT) % P
    address = Ti[at_a, L.W0_OFFSET:L.W0_OFFSET + 32].copy()
    address[:, 20:] = 0
    found_a[:, ACCOUNT_KEY:ACCOUNT_KEY + ADDRESS_CHUNKS] = _chunks(address)[:, :ADDRESS_CHUNKS]
    found_a[:, ACCOUNT_VALUE:ACCOUNT_VALUE + CHUNKS] = _chunks(Ti[at_a, L.W2_OFFSET:L.W2_OFFSET + 32])
    found_a[:, ONCE] = acct[at_a]
    found_t = np.zeros((len(at_t), ENTRY_WIDTH), dtype=np.int64)
    found_t[:, 0] = TAG_TINIT
    found_t[:, 1:1 + CHUNKS] = _chunks(Ti[at_t, L.W0_OFFSET:L.W0_OFFSET + 32])
    found_t[:, ONCE] = 1
    return np.concatenate([num_a[at_a], tslot[at_t]]), np.concatenate([found_a, found_t])


def entry_counts(Ti: np.ndarray, entries: np.ndarray) -> np.ndarray:
    """How often (Σ numerators, mod p) the rows look up each account or transient slot entry; a tuple
    with no entry stays unaccounted, so the bus cannot balance."""
    num, found = lookups(Ti)
    return hit_counts(entries.astype(np.int64), found, num)
