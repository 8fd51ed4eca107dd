"""Witness generation for KECCAK256's and LOG's memory reads (see :mod:`circuits.vm.reads`): the units'
gas, the statement's ``hashes`` and ``logs`` read off the filled rows, and the multiplicities of their
table entries.

The rows themselves come from :func:`circuits.vm.copy_witness.expand` (a KECCAK256 row, or a LOGn row
and its n topic rows, then one COPYUNIT row per read) and the memory replay, which loads every unit's
word; everything here is whole-array numpy but for one short pass per listed step.
"""

from __future__ import annotations

import numpy as np
from Crypto.Hash import keccak as _keccak

from circuits.field import P
from circuits.vm import layout as L
from circuits.vm.opcodes import Group
from circuits.vm.reads import HASH_WORD_GAS, LOG_BYTE_GAS
from circuits.vm.tables import (CALL_COST, CALL_DST, CALL_GAS, CALL_X, CALL_MS, CALL_REM, CALL_SIZE, CALL_SRC, CHUNKS, READ_AT, READ_BYTE,
                                READ_CHUNKS, READ_KEY, TAG_CALL, TAG_CALLARG, TAG_CALLEND, TAG_CALLIN, TAG_CALLOUT,
                                TAG_HASH, TAG_HASHDATA, TAG_LOG, TAG_LOGDATA, TAG_LOGTOPIC, TAG_RDSIZE, hit_counts)

LOOKUP_FIELDS = CALL_X + 1
"""Fields of a read tuple before the once flag: tag, key, size/index/position, 11 chunks, byte, and a
call's gas, memory size, registers and cost."""


def unit_gas(khash: np.ndarray, klog: np.ndarray, u_rw: np.ndarray, u_rb: np.ndarray,
             lastu: np.ndarray) -> np.ndarray:
    """ugas of every row: 6 per KECCAK256 word unit (and for its last unit when a byte), 8 a LOG byte."""
    return (khash * (u_rw + u_rb * lastu) * HASH_WORD_GAS + klog * (32 * u_rw + u_rb) * LOG_BYTE_GAS)


def keccak256(data: bytes) -> bytes:
    return _keccak.new(digest_bits=256, data=data).digest()


def word(limbs: np.ndarray) -> int:
    """A word from its 32 little-endian limbs (limbs taken mod 256: a false trace may hold others)."""
    return int.from_bytes(np.asarray(limbs, dtype=np.int64).astype(np.uint8).tobytes(), "little")


def _reads_by_key(w1: np.ndarray, units: np.ndarray, keys: np.ndarray, lengths: np.ndarray):
    """(bytes, key → (start, end)) of the units (in row order, each key's units consecutive): a word
    unit's 32 loaded bytes (limb 31 first), a byte unit's limb 31."""
    big_endian = w1[units][:, ::-1].astype(np.uint8)
    data = big_endian[np.arange(32)[None, :] < lengths[units][:, None]].tobytes()
    ends = np.concatenate([[0], np.cumsum(lengths[units])])

    def span(key: int) -> tuple[int, int]:
        lo, hi = np.searchsorted(keys, key, "left"), np.searchsorted(keys, key, "right")
        return int(ends[lo]), int(ends[hi])
    return data, span


def statement_reads(group: np.ndarray, ok: np.ndarray, w0: np.ndarray, w1: np.ndarray, w2: np.ndarray,
                    copies, check: bool = True) -> tuple[tuple, tuple]:
    """(hashes, logs) of the statement from the rows: for each completing KECCAK256 row (its clk the key)
    the bytes its units loaded and the word it pushed; for each LOG row its topic rows' words and its
    units' bytes.  With ``check``, a digest that is not keccak-256 of the message is refused."""
    rows = np.arange(len(group))
    lengths = 32 * copies.u_rw + copies.u_rb
    hash_units, log_units = rows[copies.khash == 1], rows[copies.klog == 1]
    topic_rows = rows[group == int(Group.LOGTOPIC)]
    messages, message_span = _reads_by_key(w1, hash_units, copies.cpid[hash_units], lengths)
    data, data_span = _reads_by_key(w1, log_units, copies.cpid[log_units], lengths)
    topic_keys = copies.cpid[topic_rows]
    hashes = []
    for r in rows[(group == int(Group.KECCAK256)) & (ok == 1)]:
        start, end = message_span(r)
        message, digest = messages[start:end], word(w2[r]).to_bytes(32, "big")
        if check and keccak256(message) != digest:
            raise ValueError(f"the KECCAK256 at row {r} pushed a word that is not the message's digest")
        hashes.append((int(r), message, digest))
    logs = []
    for r in rows[(group == int(Group.LOG)) & (ok == 1)]:
        lo, hi = np.searchsorted(topic_keys, r, "left"), np.searchsorted(topic_keys, r, "right")
        start, end = data_span(r)
        logs.append((int(r), tuple(word(w0[t]) for t in topic_rows[lo:hi]), data[start:end]))
    return tuple(hashes), tuple(logs)


def _chunks(limbs: np.ndarray) -> np.ndarray:
    """(m, 32) limbs (field elements) → (m, 11) 3-byte chunks mod p."""
    padded = np.concatenate([limbs, np.zeros((len(limbs), 1), dtype=np.int64)], axis=1) % P
    return (padded[:, 0::3] + padded[:, 1::3] * 256 + padded[:, 2::3] * 65536) % P


def lookups(Ti: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(numerators, (m, 15) tuples) of the rows that look up a hash or log entry, as
    :func:`circuits.vm.reads.lookup` forms them (field elements as int64)."""
    def col(c):
        return Ti[:, c] % P

    s_hash, s_log, topic = col(L.sel(Group.KECCAK256)), col(L.sel(Group.LOG)), col(L.sel(Group.LOGTOPIC))
    khash, klog, u_rw, u_rb = col(L.KHASH), col(L.KLOG), col(L.U_RW), col(L.U_RB)
    kcall, kret, u_ww, u_wb = col(L.KCALL), col(L.KRET), col(L.U_WW), col(L.U_WB)
    call = (col(L.sel(Group.CALL)) + col(L.sel(Group.STATICCALL)) + col(L.sel(Group.CREATE))) % P
    arg, end, s_rds = col(L.sel(Group.CALLARG)), col(L.sel(Group.CALLEND)), col(L.sel(Group.RETURNDATASIZE))
    err = (col(L.E_OOG) + col(L.E_UF) + col(L.E_OF) + col(L.E_JD) + col(L.sel(Group.INVALID)) + col(L.E_RD)
           + col(L.E_ST)) % P
    step = (s_hash + s_log) % P
    kinds = (khash + klog + kcall + kret) % P
    num = ((step + call + s_rds) * ((1 - err) % P) + topic + kinds + arg + end) % P
    at = np.nonzero(num)[0]
    T = Ti[at] % P
    step, s_hash, s_log, topic = step[at], s_hash[at], s_log[at], topic[at]
    khash, klog, u_rw, u_rb = khash[at], klog[at], u_rw[at], u_rb[at]
    kcall, kret, u_ww, u_wb, kinds = kcall[at], kret[at], u_ww[at], u_wb[at], kinds[at]
    call, arg, end, s_rds = call[at], arg[at], end[at], s_rds[at]
    words = {w: T[:, off:off + 32] for w, off in (("w0", L.W0_OFFSET), ("w1", L.W1_OFFSET), ("w2", L.W2_OFFSET))}
    size = (words["w1"][:, 0] + words["w1"][:, 1] * 256 + words["w1"][:, 2] * 65536) % P
    out = np.zeros((len(at), LOOKUP_FIELDS), dtype=np.int64)
    out[:, 0] = (s_hash * TAG_HASH + s_log * TAG_LOG + topic * TAG_LOGTOPIC + khash * TAG_HASHDATA
                 + klog * TAG_LOGDATA + call * TAG_CALL + arg * TAG_CALLARG + kcall * TAG_CALLIN
                 + end * TAG_CALLEND + kret * TAG_CALLOUT + s_rds * TAG_RDSIZE) % P
    out[:, READ_KEY] = ((step + call + s_rds) * T[:, L.CLK] + T[:, L.CPID]) % P
    position = (T[:, L.CPSIZE] - T[:, L.CPREM]) % P
    out[:, READ_AT] = (step * size % P + T[:, L.TIDX] + kinds * position % P) % P
    chunks = ((s_hash + end + s_rds)[:, None] * _chunks(words["w2"]) % P
              + (topic + call + arg)[:, None] * _chunks(words["w0"]) % P
              + (u_rw + u_ww)[:, None] * _chunks(words["w1"]) % P) % P
    chunks[:, 0] = (chunks[:, 0] + s_log * T[:, L.N]) % P
    out[:, READ_CHUNKS:READ_CHUNKS + CHUNKS] = chunks
    out[:, READ_BYTE] = (u_rb + u_wb) * words["w1"][:, 31] % P
    both = (arg + end) % P
    out[:, CALL_GAS] = both * T[:, L.GAS] % P
    out[:, CALL_MS] = both * T[:, L.MS] % P
    out[:, CALL_SRC] = (arg * T[:, L.CPSRC] + end * T[:, L.CPDST]) % P
    out[:, CALL_SIZE] = both * T[:, L.CPSIZE] % P
    out[:, CALL_REM] = both * T[:, L.CPREM] % P
    out[:, CALL_COST] = T[:, L.CCOST]
    out[:, CALL_DST] = arg * T[:, L.CPDST] % P
    out[:, CALL_X] = T[:, L.XCALL]
    return num[at], out


def entry_counts(Ti: np.ndarray, entries: np.ndarray) -> np.ndarray:
    """How often (Σ numerators, mod p) the rows look up each hash or log entry; a tuple with no entry
    stays unaccounted, so the bus cannot balance."""
    num, found = lookups(Ti)
    return hit_counts(entries[:, :LOOKUP_FIELDS].astype(np.int64), found, num)
