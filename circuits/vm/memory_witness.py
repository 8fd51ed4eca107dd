"""Witness generation for memory: the replay of a run's memory, the expansion witness of each CPU row,
the memory chiplet's access instances and the memory-words rows.

The replay is one compiled pass over the steps (memory is a byte array indexed by address, a word
is 32 of them); everything after it is whole-array numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from circuits.vm import layout as L
from circuits.vm import memory as M
from circuits.vm.opcodes import Group
from circuits.vm.tables import output_words, word_window

KIND_NONE, KIND_LOAD, KIND_STORE, KIND_STORE8, KIND_RETURN, KIND_STORE_HIGH = 0, 1, 2, 3, 4, 5
KIND_OF_GROUP = {Group.MLOAD: KIND_LOAD, Group.MSTORE: KIND_STORE, Group.MSTORE8: KIND_STORE8,
                 Group.RETURN: KIND_RETURN, Group.REVERT: KIND_RETURN, Group.COPYUNIT: KIND_STORE}
"""How each group touches memory (a copy's unit: KIND_LOAD, KIND_STORE or KIND_STORE_HIGH, by its type)."""
FLAG_OF_KIND = {KIND_LOAD: L.CH_MLD, KIND_STORE: L.CH_MST, KIND_STORE8: L.CH_MST8, KIND_STORE_HIGH: L.CH_MSTH}
LENGTH_OF_KIND = np.array([0, 32, 32, 1, 0, 1])
"""Bytes an access of each kind expands memory to cover (a RETURN's are its size)."""
ROWS_PER_ACCESS = 3


def quadratic(words):
    """⌊words² / 512⌋."""
    return (words * words) >> 9


@njit(cache=True)
def _replay(kind, offset, length, value, value_from, clk, mem_words):
    """Replay memory.  For each row: ms before the step, need and grow; for each access: the word w,
    the versions read (A, B with their times) and written (A', B'), and the loaded word; a write with
    value_from ≥ 0 writes the word that row loaded (MCOPY's writes).  At the end: each word's last
    write time and contents."""
    n = kind.shape[0]
    mem = np.zeros(mem_words * 32, dtype=np.int64)
    last = np.zeros(mem_words, dtype=np.int64)
    touched = np.zeros(mem_words, dtype=np.bool_)
    ms_before = np.zeros(n, dtype=np.int64)
    need = np.zeros(n, dtype=np.int64)
    grow = np.zeros(n, dtype=np.int64)
    old = np.zeros((n, 2, 32), dtype=np.int64)
    new = np.zeros((n, 2, 32), dtype=np.int64)
    times = np.zeros((n, 2), dtype=np.int64)
    loaded = np.zeros((n, 32), dtype=np.int64)
    ms = 0
    for r in range(n):
        ms_before[r] = ms
        k = kind[r]
        if k == 0:
            continue
        ew = (offset[r] + length[r] + 31) >> 5
        need[r] = ew
        if ew > ms:
            grow[r] = 1
            ms = ew
        if k == 4:
            continue
        w = offset[r] >> 5
        for i in range(2):
            touched[w + i] = True
            times[r, i] = last[w + i]
            for limb in range(32):
                old[r, i, limb] = mem[32 * (w + i) + 31 - limb]
        base = offset[r]
        if value_from[r] >= 0:
            for limb in range(32):
                value[r, limb] = loaded[value_from[r], limb]
        if k == 1:
            for limb in range(32):
                loaded[r, limb] = mem[base + 31 - limb]
        elif k == 2:
            for limb in range(32):
                mem[base + 31 - limb] = value[r, limb]
        elif k == 3:
            mem[base] = value[r, 0]
        else:
            mem[base] = value[r, 31]
        for i in range(2):
            last[w + i] = clk[r]
            for limb in range(32):
                new[r, i, limb] = mem[32 * (w + i) + 31 - limb]
    finals = np.zeros((mem_words, 32), dtype=np.int64)
    for w in range(mem_words):
        for limb in range(32):
            finals[w, limb] = mem[32 * w + 31 - limb]
    return ms_before, need, grow, old, new, times, loaded, last, touched, finals


@dataclass
class MemoryReplay:
    ms: np.ndarray          # per row, before the step
    mq: np.ndarray
    need: np.ndarray
    grow: np.ndarray
    old: np.ndarray         # per row: (2, 32) words A, B read by an access
    new: np.ndarray         # (2, 32) words A', B' written
    times: np.ndarray       # (2,) times of A and B
    loaded: np.ndarray      # (32,) the word an MLOAD reads
    last: np.ndarray        # per word: time of its last version
    touched: np.ndarray     # per word: accessed by some step
    finals: np.ndarray      # per word: final contents
    ms_end: int


def replay(kind: np.ndarray, offset: np.ndarray, length: np.ndarray, value: np.ndarray,
           clk: np.ndarray, extra_words: int = 0, value_from: np.ndarray | None = None) -> MemoryReplay:
    """Replay the accesses (``kind`` per row, 0 for rows that do not touch memory); ``value`` is
    updated in place where ``value_from`` names the row whose loaded word a write stores."""
    active = kind != KIND_NONE
    top = int(((offset + length)[active]).max()) if active.any() else 0
    mem_words = max((top >> 5) + 2, extra_words, 1)
    if value_from is None:
        value_from = np.full(len(kind), -1, dtype=np.int64)
    ms, need, grow, old, new, times, loaded, last, touched, finals = _replay(
        kind, offset, length, value, value_from, clk, mem_words)
    ms_end = int(max(ms[-1] + grow[-1] * (need[-1] - ms[-1]), ms[-1])) if len(ms) else 0
    return MemoryReplay(ms, quadratic(ms), need, grow, old, new, times, loaded, last, touched, finals, ms_end)


def expansion_limbs(offset: np.ndarray, length: np.ndarray, xa: np.ndarray, ms: np.ndarray, need: np.ndarray,
                    grow: np.ndarray) -> np.ndarray:
    """W2 of the rows with xa = 1: the expansion witness (see :mod:`circuits.vm.memory`), (n, 32)."""
    n = len(offset)
    out = np.zeros((n, 32), dtype=np.int64)
    ew = (offset + length + 31) >> 5
    rr = 32 * ew - offset - length
    cmp = np.where(grow == 1, need - ms - 1, ms - need)
    a, b = need % 512, need // 512
    u, r = divmod(a * a, 512)
    fields = [(M.EW, ew, 3), (M.RR, rr, 1), (M.RRC, 31 - rr, 1), (M.CMP, cmp, 3), (M.BOUND, M.NEED_LIMIT - need, 3),
              (M.A0, a, 2), (M.B, b, 2), (M.R0, r, 2), (M.U0, u, 2)]
    for at, v, width in fields:
        for i in range(width):
            out[:, at + i] = (v >> (8 * i)) & 0xFF if i < width - 1 else v >> (8 * i)
    out[xa == 0] = 0
    return out


def access_rows(kinds: np.ndarray, offsets: np.ndarray, clks: np.ndarray, values: np.ndarray, old: np.ndarray,
                new: np.ndarray, times: np.ndarray) -> np.ndarray:
    """(3m, WIDTH) rows of m access instances (M0, M1, M2 each)."""
    m = len(kinds)
    out = np.zeros((3 * m, L.WIDTH), dtype=np.int64)
    out[:, L.CH_POW] = 1
    m0, m1, m2 = out[0::3], out[1::3], out[2::3]
    w = offsets >> 5
    s = offsets & 31
    gaps = clks[:, None] - times - 1
    for i in range(3):
        m0[:, L.W2_OFFSET + i] = (gaps[:, 0] >> (8 * i)) & 0xFF
        m0[:, L.W2_OFFSET + 3 + i] = (gaps[:, 1] >> (8 * i)) & 0xFF
    m0[:, L.CH_M0] = 1
    for kind, col in FLAG_OF_KIND.items():
        m1[:, col] = kinds == kind
    m1[:, L.W0_OFFSET:L.W0_OFFSET + 32] = old[:, 0]
    m1[:, L.W1_OFFSET:L.W1_OFFSET + 32] = old[:, 1]
    m1[:, L.W2_OFFSET:L.W2_OFFSET + 32] = values
    m1[:, L.MW] = w
    m1[:, L.MT1] = times[:, 0]
    m1[:, L.MT2] = times[:, 1]
    m1[:, L.MTN] = clks
    m2[:, L.CH_M2] = 1
    m2[:, L.W0_OFFSET:L.W0_OFFSET + 32] = new[:, 0]
    m2[:, L.W1_OFFSET:L.W1_OFFSET + 32] = new[:, 1]
    m2[np.arange(m), L.W2_OFFSET + s] = 1
    m2[:, L.MW] = w
    m2[:, L.MT1] = clks
    m2[:, L.MT2] = clks
    return out


def word_rows(words: np.ndarray, finals: np.ndarray, last: np.ndarray, output_offset: int,
              output: bytes) -> np.ndarray:
    """The memory-words rows, in increasing word order (``words`` sorted), each followed by its output
    row when the word lies in the returned region."""
    out_range = output_words(output_offset, len(output))
    in_output = (words >= out_range.start) & (words < out_range.stop)
    at = np.arange(len(words)) + np.concatenate([[0], np.cumsum(in_output)[:-1]]).astype(np.int64)
    out = np.zeros((len(words) + int(in_output.sum()), L.WIDTH), dtype=np.int64)
    out[:, L.CH_POW] = 1
    reg = out[at]
    reg[:, L.CH_MREG] = 1
    reg[:, L.MW] = words
    reg[:, L.MT2] = last
    reg[:, L.W1_OFFSET:L.W1_OFFSET + 32] = finals
    gaps = words - np.concatenate([[-1], words[:-1]]) - 1
    for k in range(3):
        reg[:, L.W2_OFFSET + k] = (words >> (8 * k)) & 0xFF
        reg[:, L.W2_OFFSET + 3 + k] = (gaps >> (8 * k)) & 0xFF
    out[at] = reg
    if in_output.any():
        windows = [word_window(int(w), output_offset, output) for w in words[in_output]]
        ret = out[at[in_output] + 1]
        ret[:, L.CH_MOUT] = 1
        ret[:, L.MW] = words[in_output]
        ret[:, L.W0_OFFSET:L.W0_OFFSET + 32] = [mask for _, mask in windows]
        ret[:, L.W1_OFFSET:L.W1_OFFSET + 32] = finals[in_output]
        ret[:, L.W2_OFFSET:L.W2_OFFSET + 32] = [masked for masked, _ in windows]
        out[at[in_output] + 1] = ret
    return out
