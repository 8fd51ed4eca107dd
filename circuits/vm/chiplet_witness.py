"""Witness generation for the chiplets: the two rows of every bitwise and shift instance.

Input is the operand words of the CPU rows that ask for a check (bytes, little-endian, one row per
request); output is the chiplet rows, written into the trace matrix where the caller places them.
Every step is whole-array numpy over the instances (the product's carry chain runs 32 vector steps).
"""

from __future__ import annotations

import numpy as np

from circuits.vm import layout as L
from circuits.vm.opcodes import Group
from circuits.vm.tables import and_key

BITWISE_FLAGS = {Group.AND: L.CH_AND, Group.OR: L.CH_OR, Group.XOR: L.CH_XOR}
SHIFT_FLAGS = {Group.SHL: L.CH_SHL, Group.SHR: L.CH_SHR, Group.BYTE: L.CH_BYTE, Group.SAR: L.CH_SAR,
               Group.SIGNEXTEND: L.CH_SX}
ROWS_PER_INSTANCE = 2


def _set_word(block: np.ndarray, offset: int, words: np.ndarray) -> None:
    block[:, offset:offset + 32] = words


def bitwise_rows(groups: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray, small: np.ndarray) -> np.ndarray:
    """(2m, WIDTH) rows proving c = a op b for m instances (``groups`` holds each one's Group)."""
    m = len(groups)
    out = np.zeros((2 * m, L.WIDTH), dtype=np.int64)
    out[:, L.CH_POW] = 1  # 2^r with r = 0 wherever the shift chiplet does not set r
    first, second = out[0::2], out[1::2]
    for g, col in BITWISE_FLAGS.items():
        first[:, col] = groups == int(g)
    first[:, L.CH_SMALL] = small
    _set_word(first, L.W0_OFFSET, a)
    _set_word(first, L.W1_OFFSET, b)
    _set_word(first, L.W2_OFFSET, and_key(a & 15, b & 15))
    second[:, L.CH_BW2] = 1
    _set_word(second, L.W0_OFFSET, c)
    _set_word(second, L.W2_OFFSET, and_key(a >> 4, b >> 4))
    return out


def shift_rows(groups: np.ndarray, s: np.ndarray, a: np.ndarray, result: np.ndarray, small: np.ndarray) -> np.ndarray:
    """(2m, WIDTH) rows proving result = SHL/SHR/SAR/BYTE/SIGNEXTEND(s, a) for m instances."""
    m = len(groups)
    out = np.zeros((2 * m, L.WIDTH), dtype=np.int64)
    out[:, L.CH_POW] = 1  # 2^r with r = 0 wherever the shift chiplet does not set r
    first, second = out[0::2], out[1::2]
    for g, col in SHIFT_FLAGS.items():
        first[:, col] = groups == int(g)
    is_byte = groups == int(Group.BYTE)
    is_sx = groups == int(Group.SIGNEXTEND)
    is_sar = groups == int(Group.SAR)
    is_down = (groups == int(Group.SHR)) | is_sar
    picks = is_byte | is_sx  # BYTE and SIGNEXTEND pick one byte: no product, an in-range flag
    s0 = s[:, 0]
    small = small.astype(np.int64)
    mul_active = small * (~picks)
    r = np.where(mul_active == 1, s0 & 7, 0)
    q = np.where(mul_active == 1, s0 >> 3, 0)
    inr = (picks & (small == 1) & (s0 < 32)).astype(np.int64)
    pow2 = np.left_shift(1, r)
    m_col = np.where(picks, 0, np.where(is_down, 256 // pow2, pow2))
    first[:, L.CH_SMALL] = small
    first[:, L.CH_INR] = inr
    first[:, L.CH_NEG] = is_sar & (a[:, 31] >> 7 == 1)
    first[:, L.CH_BITS:L.CH_BITS + 3] = np.stack([r & 1, (r >> 1) & 1, (r >> 2) & 1], axis=1)
    first[:, L.CH_POW] = pow2
    first[:, L.CH_M] = m_col
    _set_word(first, L.W0_OFFSET, s)
    _set_word(first, L.W1_OFFSET, a)
    # y = a · m as 33 bytes (y_32 is the last carry), for SHL, SHR and SAR
    y = np.zeros((m, 32), dtype=np.int64)
    carry = np.zeros((m, 32), dtype=np.int64)
    c = np.zeros(m, dtype=np.int64)
    for k in range(32):
        t = a[:, k] * m_col + c
        y[:, k] = t & 0xFF
        c = t >> 8
        carry[:, k] = c
    y[picks] = 0
    carry[picks] = 0
    y[picks, 0] = ((small - inr) * (s0 - 32))[picks]
    # SIGNEXTEND: the sign of byte b and its helper y_1 = 2·(a_b − 128·sxs)
    sign_byte = np.where(inr == 1, a[np.arange(m), np.minimum(s0, 31)], 0)
    sxs = (is_sx & (sign_byte >> 7 == 1)).astype(np.int64)
    first[:, L.CH_SXS] = sxs
    y[is_sx, 1] = (2 * (sign_byte - 128 * sxs))[is_sx]
    _set_word(first, L.W2_OFFSET, y)
    # the one-hot byte position: q for the shifts, 31 − i for BYTE, b for SIGNEXTEND
    h = np.zeros((m, 32), dtype=np.int64)
    position = np.where(is_byte, 31 - np.minimum(s0, 31), np.where(is_sx, np.minimum(s0, 31), q))
    active = np.where(picks, inr, mul_active) == 1
    h[np.nonzero(active)[0], position[active]] = 1
    second[:, L.CH_SH2] = 1
    _set_word(second, L.W0_OFFSET, result)
    _set_word(second, L.W1_OFFSET, h)
    _set_word(second, L.W2_OFFSET, carry)
    return out


MUL_FLAGS = {Group.MUL: L.CH_MUL, Group.DIV: L.CH_DIV, Group.MOD: L.CH_MOD}
MUL_ROWS = 6


def _int_words(values: list[int]) -> np.ndarray:
    raw = b"".join(v.to_bytes(32, "little") for v in values)
    return np.frombuffer(raw, dtype=np.uint8).reshape(len(values), 32).astype(np.int64)


def _ints(words: np.ndarray) -> list[int]:
    return [int.from_bytes(bytes(w.astype(np.uint8)), "little") for w in words]


def _pairs(words: np.ndarray) -> np.ndarray:
    return words[:, 0::2] + 256 * words[:, 1::2]


def mul_rows(groups: np.ndarray, a: np.ndarray, b: np.ndarray, result: np.ndarray, small: np.ndarray,
             quotients: list[int] | None = None, remainders: list[int] | None = None) -> np.ndarray:
    """(6m, WIDTH) rows proving result = MUL/DIV/MOD(a, b) for m instances (b ≠ 0 for DIV and MOD).

    ``quotients`` and ``remainders`` replace Q and R (soundness tests write false ones)."""
    m = len(groups)
    out = np.zeros((MUL_ROWS * m, L.WIDTH), dtype=np.int64)
    out[:, L.CH_POW] = 1
    n0, n1, n2, n3, n4, n5 = (out[i::MUL_ROWS] for i in range(MUL_ROWS))
    is_mul = groups == int(Group.MUL)
    # Q and R: a·b for MUL; the quotient and remainder for DIV and MOD (big integers, one per instance)
    a_int, b_int = _ints(a), _ints(b)
    q_int = [x if mul_ else x // y for x, y, mul_ in zip(a_int, b_int, is_mul)]
    r_int = [0 if mul_ else x % y for x, y, mul_ in zip(a_int, b_int, is_mul)]
    q_int = quotients if quotients is not None else q_int
    r_int = remainders if remainders is not None else r_int
    q, r = _int_words(q_int), _int_words(r_int)
    # the full product's byte columns S_t = Σ_j b_j Q_{t−j}, t < 64, then the pair carries
    s = np.zeros((m, 64), dtype=np.int64)
    for j in range(32):
        s[:, j:j + 32] += b[:, j:j + 1] * q
    products = s[:, 0::2] + 256 * s[:, 1::2]
    low = np.where(is_mul[:, None], _pairs(result), _pairs(a))
    product_int = [x * y for x, y in zip(q_int, b_int)]  # a·b (MUL), q·b (DIV, MOD): its high half
    high = _pairs(_int_words([v >> 256 for v in product_int]))
    target = np.concatenate([low, np.where(is_mul[:, None], high, 0)], axis=1)
    addend = np.concatenate([_pairs(r), np.zeros((m, 16), dtype=np.int64)], axis=1)
    carries = np.zeros((m, 32), dtype=np.int64)
    carry = np.zeros(m, dtype=np.int64)
    for k in range(32):
        total = products[:, k] + addend[:, k] + carry - target[:, k]
        carry = total >> 16
        carries[:, k] = carry
    # N0: R + d + 1 = b with borrow bits, for DIV and MOD
    d = _int_words([0 if mul_ else (y - x - 1) % 2**256 for x, y, mul_ in zip(r_int, b_int, is_mul)])
    borrow = np.zeros(m, dtype=np.int64) + 1
    for k in range(16):
        total = _pairs(r)[:, k] + _pairs(d)[:, k] + borrow - _pairs(b)[:, k]
        borrow = total >> 16
        n0[:, L.W0_OFFSET + k] = np.where(is_mul, 0, borrow) if k < 15 else 0
    n0[:, L.CH_N0] = 1
    n0[:, L.W2_OFFSET:L.W2_OFFSET + 32] = d
    for g, col in MUL_FLAGS.items():
        n1[:, col] = groups == int(g)
    n1[:, L.CH_SMALL] = small
    n1[:, L.W0_OFFSET:L.W0_OFFSET + 32] = a
    n1[:, L.W1_OFFSET:L.W1_OFFSET + 32] = b
    n1[:, L.W2_OFFSET:L.W2_OFFSET + 32] = r
    n2[:, L.CH_N2] = 1
    n2[:, L.W0_OFFSET:L.W0_OFFSET + 32] = result
    n2[:, L.W1_OFFSET:L.W1_OFFSET + 32] = carries
    n2[:, L.W2_OFFSET:L.W2_OFFSET + 32] = q
    n3[:, L.CH_N3] = 1
    n3[:, L.W1_OFFSET:L.W1_OFFSET + 32] = carries
    n3[:, L.W2_OFFSET:L.W2_OFFSET + 32] = carries & 0xFF
    n4[:, L.CH_N4] = 1
    n4[:, L.W2_OFFSET:L.W2_OFFSET + 32] = carries >> 8
    n5[:, L.CH_N5] = 1
    n5[:, L.W2_OFFSET:L.W2_OFFSET + 32] = (carries >> 8) + 192
    return out


SIGNED_FLAGS = {Group.SDIV: L.CH_SDIV, Group.SMOD: L.CH_SMOD}
SIGNED_ROWS = 4
SIGNED_TOTAL_ROWS = SIGNED_ROWS + MUL_ROWS


def _negation_carries(u: np.ndarray, x: np.ndarray, sign: np.ndarray) -> np.ndarray:
    """(m, 16) carries of u_k + (2s − 1)·x_k + carry_{k−1} = 2^16 · carry_k over byte pairs."""
    up, xp = _pairs(u), _pairs(x)
    out = np.zeros_like(up)
    carry = np.zeros(len(u), dtype=np.int64)
    for k in range(16):
        carry = (up[:, k] + (2 * sign - 1) * xp[:, k] + carry) >> 16
        out[:, k] = carry
    return out


def signed_rows(groups: np.ndarray, a: np.ndarray, b: np.ndarray, result: np.ndarray, small: np.ndarray,
                negations: list[int] | None = None, magnitudes: list[int] | None = None,
                quotients: list[int] | None = None, remainders: list[int] | None = None,
                signs: tuple[list[int], list[int]] | None = None) -> np.ndarray:
    """(10m, WIDTH) rows proving result = SDIV/SMOD(a, b) for m instances (b ≠ 0): four signed rows
    each (:mod:`circuits.vm.signed_division`), then the m unsigned DIV/MOD instances they ask for.

    ``negations``, ``magnitudes`` (X), ``quotients`` and ``remainders`` (the unsigned instance's Q and
    R) and ``signs`` (sa, sb) replace the honest values (soundness tests write false ones)."""
    m = len(groups)
    is_smod = groups == int(Group.SMOD)
    sa, sb = a[:, 31] >> 7, b[:, 31] >> 7
    if signs is not None:
        sa, sb = (np.array(v, dtype=np.int64) for v in signs)
    neg = np.where(is_smod, sa, sa ^ sb)
    a_int, b_int = _ints(a), _ints(b)
    abs_a = [2**256 - x if s else x for x, s in zip(a_int, sa)]
    abs_b = [2**256 - x if s else x for x, s in zip(b_int, sb)]
    x_int = [x % y if mod else x // y for x, y, mod in zip(abs_a, abs_b, is_smod)]
    x_int = magnitudes if magnitudes is not None else x_int
    neg = np.array(negations, dtype=np.int64) if negations is not None else neg
    ua, ub, x = _int_words(abs_a), _int_words(abs_b), _int_words(x_int)
    out = np.zeros((SIGNED_ROWS * m, L.WIDTH), dtype=np.int64)
    out[:, L.CH_POW] = 1
    c, n, i, j = (out[k::SIGNED_ROWS] for k in range(SIGNED_ROWS))
    for g, col in SIGNED_FLAGS.items():
        c[:, col] = groups == int(g)
    c[:, L.CH_BITS], c[:, L.CH_BITS + 1], c[:, L.CH_M], c[:, L.CH_INR] = sa, sb, neg, is_smod
    c[:, L.CH_POW] = (1 + sa) * (1 + 3 * sb)
    c[:, L.W2_OFFSET + 15] = 2 * (a[:, 31] - 128 * sa)
    c[:, L.W2_OFFSET + 31] = 2 * (b[:, 31] - 128 * sb)
    c[:, L.W0_OFFSET:L.W0_OFFSET + 32] = a
    c[:, L.W1_OFFSET:L.W1_OFFSET + 32] = b
    c[:, L.W2_OFFSET:L.W2_OFFSET + 15] = _negation_carries(ua, a, sa)[:, :15]
    c[:, L.W2_OFFSET + 16:L.W2_OFFSET + 31] = _negation_carries(ub, b, sb)[:, :15]
    n[:, L.CH_SD2], n[:, L.CH_M], n[:, L.CH_INR] = 1, neg, is_smod
    n[:, L.W0_OFFSET:L.W0_OFFSET + 32] = result
    n[:, L.W1_OFFSET:L.W1_OFFSET + 32] = ua
    n[:, L.W2_OFFSET:L.W2_OFFSET + 32] = ub
    i[:, L.CH_SQ], i[:, L.CH_SR], i[:, L.CH_M] = ~is_smod, is_smod, neg
    i[:, L.W0_OFFSET:L.W0_OFFSET + 32] = ua
    i[:, L.W1_OFFSET:L.W1_OFFSET + 32] = ub
    i[:, L.W2_OFFSET:L.W2_OFFSET + 32] = result
    j[:, L.CH_SD4] = 1
    j[:, L.W0_OFFSET:L.W0_OFFSET + 32] = x
    j[:, L.W1_OFFSET:L.W1_OFFSET + 16] = _negation_carries(result, x, neg)
    unsigned = np.where(is_smod, int(Group.MOD), int(Group.DIV))
    inner = mul_rows(unsigned, ua, ub, x, np.zeros(m, dtype=np.int64), quotients, remainders)
    return np.concatenate([out, inner])
