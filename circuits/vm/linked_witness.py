"""Witness for ADDMOD, MULMOD and EXP: their FINISH rows and link words, their chiplet rows (with the
wide divisions and MULs they ask for) and EXP's exponent accumulator.

:func:`expand` splits each completing step into its opcode row and a FINISH row; :func:`link` writes
the link words once the rows are final (a word names its row's clk); :func:`chiplet_rows` builds every
instance (:mod:`circuits.vm.modular`, :mod:`circuits.vm.exp`), one short Python pass per instance
over whole-row numpy arrays; :func:`exponent_accumulator` fills the auxiliary column, visiting only
the rows where it changes.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from circuits.extension import Ext
from circuits.field import P
from circuits.vm import chiplet_witness as CW
from circuits.vm import layout as L
from circuits.vm.linked import EXPONENT_GAS, OPENERS
from circuits.vm.mul_chiplet import BIAS
from circuits.vm.opcodes import GROUP_OF_BYTE, SPECS, Group

KIND = {Group.ADDMOD: 0, Group.MULMOD: 1, Group.EXP: 2}
"""The link word's byte 4 for each opener."""
M256 = (1 << 256) - 1
SCALARS = (L.MTN, L.STP, L.STN, L.CH_SMALL)
"""An instance's nonce, kind bits and zero flag (:mod:`circuits.vm.linked`), the same on its rows."""


def byte_length(e: int) -> int:
    return (e.bit_length() + 7) >> 3


def expand(steps: list, record_type) -> list:
    """The step records with every completing ADDMOD, MULMOD and EXP split into its row and a FINISH
    row (link words still 0: see :func:`link`)."""
    out = []
    for s in steps:
        group = GROUP_OF_BYTE[s.opcode]
        if group not in KIND or s.error is not None or s.group:
            out.append(s)
            continue
        (result,) = s.pushes
        if group == Group.EXP:
            a, e = s.pops
            out.append(replace(s, pops=(a,), pushes=(0,)))
            gas = s.gas_before - SPECS[Group.EXP].gas - EXPONENT_GAS * byte_length(e)
            out.append(record_type(s.pc, s.opcode, gas, s.stack_pointer_before, (0, e), (result,),
                                   group=int(Group.FINISH)))
        else:
            a, b, modulus = s.pops
            out.append(replace(s, pops=(a, b), pushes=(0,)))
            out.append(record_type(s.pc, s.opcode, s.gas_before - SPECS[Group(group)].gas,
                                   s.stack_pointer_before - 1, (0, modulus), (result,), group=int(Group.FINISH)))
    return out


def link(rows: list) -> list:
    """The rows with each opener's link word X = clk + 2^24·nb + 2^32·kind pushed by its row and
    popped by its FINISH row (clk = the row's index)."""
    out = list(rows)
    for i, s in enumerate(out):
        if s.group != int(Group.FINISH):
            continue
        opener = out[i - 1]
        group = Group(GROUP_OF_BYTE[opener.opcode])
        last = s.pops[1]
        word = (i - 1) | (byte_length(last) if group == Group.EXP else 0) << 24 | KIND[group] << 32
        out[i - 1] = replace(opener, pushes=(word,))
        out[i] = replace(s, pops=(word, last))
    return out


def exponent_gas(group: np.ndarray, w2: np.ndarray) -> np.ndarray:
    """50 gas a byte of the exponent on each EXP row (its link word's byte 3; 0 elsewhere)."""
    return np.where(group == int(Group.EXP), w2[:, 3] * EXPONENT_GAS, 0)


# ---- chiplet rows -----------------------------------------------------------------------------------

def _word(v: int) -> np.ndarray:
    return np.frombuffer(v.to_bytes(32, "little"), dtype=np.uint8).astype(np.int64)


def _int(limbs: np.ndarray) -> int:
    return int.from_bytes(bytes(np.asarray(limbs, dtype=np.int64).astype(np.uint8)), "little")


def _pairs(v: int) -> np.ndarray:
    w = _word(v)
    return w[0::2] + 256 * w[1::2]


def _digit_sums(x: int, y: int) -> np.ndarray:
    """P_k = S_{2k} + 2^8 S_{2k+1} for S_t = Σ_{i+j=t} x_i y_j (byte limbs), k = 0 … 31."""
    s = np.convolve(_word(x), _word(y))
    s = np.concatenate([s, np.zeros(64 - len(s), dtype=np.int64)])
    return s[0::2] + 256 * s[1::2]


def _blank(rows: int) -> np.ndarray:
    out = np.zeros((rows, L.WIDTH), dtype=np.int64)
    out[:, L.CH_POW] = 1
    return out


def _set(row: np.ndarray, w0=None, w1=None, w2=None) -> None:
    for offset, v in ((L.W0_OFFSET, w0), (L.W1_OFFSET, w1), (L.W2_OFFSET, w2)):
        if v is not None:
            row[offset:offset + 32] = _word(v) if isinstance(v, int) else v


def wide_rows(digits: list[np.ndarray], moduli: list[int], remainders: list[int], quotients: list[int]) -> np.ndarray:
    """(6m, WIDTH) rows of m wide divisions Q·N + R = Σ_k D_k 2^(16k) (:mod:`circuits.vm.mul_chiplet`);
    the carries are worked out from the given digits, Q and R (a soundness test may give false ones)."""
    m = len(digits)
    out = _blank(6 * m)
    for i, (d, n, r, q) in enumerate(zip(digits, moduli, remainders, quotients)):
        n0, n1, n2, n3, n4, n5 = out[6 * i:6 * i + 6]
        products = _digit_sums(n, q)
        low = np.concatenate([_pairs(r), np.zeros(16, dtype=np.int64)])
        carry, carries = 0, np.zeros(32, dtype=np.int64)
        for k in range(32):
            carry = (int(products[k]) + int(low[k]) + carry - int(d[k])) >> 16  # exact for true Q, R
            carries[k] = carry + BIAS
        borrow, rd = 1, (n - r - 1) % 2**256
        for k in range(15):
            total = int(_pairs(r)[k]) + int(_pairs(rd)[k]) + borrow - int(_pairs(n)[k])
            borrow = total >> 16
            n0[L.W0_OFFSET + k] = borrow
        n0[L.CH_N0] = 1
        _set(n0, w2=rd)
        n1[L.CH_DW] = 1
        n1[L.W0_OFFSET:L.W0_OFFSET + 32] = d
        _set(n1, w1=n, w2=r)
        n2[L.CH_N2] = 1
        _set(n2, w0=r, w1=carries, w2=q)
        n3[L.CH_N3] = 1
        _set(n3, w1=carries, w2=carries & 0xFF)
        n4[L.CH_N4] = 1
        _set(n4, w2=carries >> 8)
        n5[L.CH_N5] = 1
        _set(n5, w2=(carries >> 8) + 192)
    return out


def _scalars(rows: np.ndarray, values: tuple[int, int, int, int]) -> None:
    rows[:, list(SCALARS)] = values


def modular_rows(a: int, b: int, word: int, modulus: int, result: int, small: int, fin_small: int,
                 reduced: int | None = None, quotients: tuple[int, int] | None = None,
                 digits: np.ndarray | None = None) -> np.ndarray:
    """An ADDMOD or MULMOD instance: eight rows, then the two wide divisions it asks for (none when
    N = 0).  ``reduced`` (a'), ``quotients`` and V's dividend ``digits`` replace the honest values in
    soundness tests."""
    mk = (word >> 32) & 0xFF
    z = int(modulus == 0)
    a_red = (a % modulus if modulus else 0) if reduced is None else reduced
    x = a_red if mk else 1
    if digits is None:
        digits = _digit_sums(b, x) + (0 if mk else np.concatenate([_pairs(a_red), np.zeros(16, dtype=np.int64)]))
    out = _blank(8)
    h, a_row, t, u, v, b_row, g, k = out
    _scalars(out[1:7], (word & 0xFFFFFF, mk, 0, z))
    h[L.CH_HD], h[L.CH_SMALL] = 1, small
    _set(h, w0=a, w1=b)
    a_row[L.CH_MPA] = 1
    _set(a_row, w0=word, w1=a, w2=b)
    t[L.CH_MQ] = 1
    t[L.W0_OFFSET:L.W0_OFFSET + 32] = np.concatenate([_pairs(a), np.zeros(16, dtype=np.int64)])
    _set(t, w1=modulus, w2=b)
    u[L.CH_MU] = 1
    _set(u, w0=a_red, w1=b, w2=modulus)
    v[L.CH_MQ], v[L.CH_INR] = 1, 1
    v[L.W0_OFFSET:L.W0_OFFSET + 32] = digits
    _set(v, w1=modulus, w2=x)
    b_row[L.CH_MPA], b_row[L.CH_INR] = 1, 1
    _set(b_row, w0=result, w1=modulus)
    g[L.CH_FIN], g[L.CH_SMALL] = 1, fin_small
    _set(g, w0=word, w1=modulus, w2=result)
    _set(k, w0=result)
    if z:
        return out
    dividend = sum(int(dk) << (16 * i) for i, dk in enumerate(digits))
    q1, q2 = quotients if quotients is not None else (a // modulus, dividend // modulus)
    wide = wide_rows([t[L.W0_OFFSET:L.W0_OFFSET + 32], digits], [modulus, modulus], [a_red, result], [q1, q2])
    return np.concatenate([out, wide])


def exp_rows(a: int, w1: int, word: int, e: int, result: int, small: int, fin_small: int,
             bits: list[int] | None = None) -> np.ndarray:
    """An EXP instance: H, A, an (S, M) pair per bit of e from its top set bit, B, G, K, then the MULs
    asked for.  ``bits`` replaces e's bits (most significant first) in soundness tests."""
    bits = [int(c) for c in bin(e)[2:]] if bits is None else bits
    if e == 0 and bits == [0]:
        bits = []
    length = len(bits)
    out = _blank(5 + 2 * length)
    z = int(e == 0)
    _scalars(out[1:-1], (word & 0xFFFFFF, 0, 1, z))
    h, a_row = out[0], out[1]
    h[L.CH_HD], h[L.CH_SMALL] = 1, small
    _set(h, w0=a, w1=w1)
    a_row[L.CH_MPA] = 1
    _set(a_row, w0=word, w1=a, w2=w1)
    acc, prefix, count = 1, 0, 0
    asks_a, asks_b, asks_r = [], [], []
    for i, bit in enumerate(bits):
        s, m = out[2 + 2 * i], out[3 + 2 * i]
        pos = (length - 1 - i) % 8
        square = acc * acc & M256
        for row in (s, m):
            row[L.CH_BITS:L.CH_BITS + 3] = (pos & 1, pos >> 1 & 1, pos >> 2 & 1)
            row[L.CH_POW] = 1 << pos
            row[L.SWB], row[L.MT1], row[L.MT2] = bit, prefix, count
        s[L.CH_XS] = 1
        _set(s, w0=acc, w1=acc, w2=a)
        m[L.CH_XM], m[L.MW] = 1, int(pos == 0)
        _set(m, w0=square, w1=a, w2=a)
        asks_a.append(acc), asks_b.append(acc), asks_r.append(square)
        acc = square * a & M256 if bit else square
        if bit:
            asks_a.append(square), asks_b.append(a), asks_r.append(acc)
        prefix, count = (0, count + 1) if pos == 0 else (2 * prefix + bit, count)
    b_row, g, k = out[-3], out[-2], out[-1]
    b_row[L.CH_MPA], b_row[L.CH_INR], b_row[L.MT2] = 1, 1, count
    _set(b_row, w0=result, w1=e, w2=a if length else 0)
    g[L.CH_FIN], g[L.CH_SMALL], g[L.MT2] = 1, fin_small, count
    _set(g, w0=word, w1=e, w2=result)
    _set(k, w0=result)
    if not asks_a:
        return out
    words = lambda values: np.stack([_word(v) for v in values])  # noqa: E731
    muls = CW.mul_rows(np.full(len(asks_a), int(Group.MUL)), words(asks_a), words(asks_b), words(asks_r),
                       np.zeros(len(asks_a), dtype=np.int64))
    return np.concatenate([out, muls])


def chiplet_rows(group: np.ndarray, ok: np.ndarray, w0: np.ndarray, w1: np.ndarray, w2: np.ndarray,
                 zflag2: np.ndarray) -> np.ndarray:
    """Every instance of the run's completing ADDMOD, MULMOD and EXP steps (their FINISH row is the
    next), from the rows' words and second zero tests."""
    blocks = [np.zeros((0, L.WIDTH), dtype=np.int64)]
    for i in np.nonzero(np.isin(group, [int(g) for g in OPENERS]) & (ok == 1))[0]:
        a, b, word = _int(w0[i]), _int(w1[i]), _int(w2[i])
        last, result = _int(w1[i + 1]), _int(w2[i + 1])
        if group[i] == int(Group.EXP):
            blocks.append(exp_rows(a, b, word, last, result, int(zflag2[i]), int(zflag2[i + 1])))
        else:
            blocks.append(modular_rows(a, b, word, last, result, int(zflag2[i]), int(zflag2[i + 1])))
    return np.concatenate(blocks)


# ---- the exponent accumulator -------------------------------------------------------------------------

def exponent_accumulator(main: np.ndarray, beta: Ext) -> np.ndarray:
    """(n, 5): Z_0 = 0 and Z_{r+1} = (1 − hd_r)·Z_r + e_r·((β − 1)·Z_r + u_r) with e_r = ch_xm·mw and
    u_r = 2·mt1 + swb on row r (:mod:`circuits.vm.exp`), for whatever the main trace holds."""
    n = main.shape[0]
    p = np.uint64(P)
    hd = main[:, L.CH_HD].astype(np.uint64)
    ends = (main[:, L.CH_XM].astype(np.uint64) * main[:, L.MW].astype(np.uint64)) % p
    u = (main[:, L.MT1].astype(np.uint64) * np.uint64(2) + main[:, L.SWB].astype(np.uint64)) % p
    out = np.zeros((n, 5), dtype=np.uint64)
    z, start = Ext.zero(), 0
    for r in np.nonzero((hd != 0) | (ends != 0))[0]:
        out[start:r + 1] = z.to_array()
        step = ends[r]
        keep = Ext.from_base((1 - int(hd[r])) % P)
        z = z * keep + (z * (beta - 1) + Ext.from_base(int(u[r]))) * Ext.from_base(int(step))
        start = r + 1
    out[start:] = z.to_array()
    return out
