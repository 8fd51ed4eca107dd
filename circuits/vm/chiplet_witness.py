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
SHIFT_FLAGS = {Group.SHL: L.CH_SHL, Group.SHR: L.CH_SHR, Group.BYTE: L.CH_BYTE}
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
    """(2m, WIDTH) rows proving result = SHL/SHR/BYTE(s, a) for m instances."""
    m = len(groups)
    out = np.zeros((2 * m, L.WIDTH), dtype=np.int64)
    out[:, L.CH_POW] = 1  # 2^r with r = 0 wherever the shift chiplet does not set r
    first, second = out[0::2], out[1::2]
    for g, col in SHIFT_FLAGS.items():
        first[:, col] = groups == int(g)
    is_byte = groups == int(Group.BYTE)
    is_shr = groups == int(Group.SHR)
    s0 = s[:, 0]
    small = small.astype(np.int64)
    mul_active = small * (~is_byte)
    r = np.where(mul_active == 1, s0 & 7, 0)
    q = np.where(mul_active == 1, s0 >> 3, 0)
    inr = (is_byte & (small == 1) & (s0 < 32)).astype(np.int64)
    pow2 = np.left_shift(1, r)
    m_col = np.where(is_byte, 0, np.where(is_shr, 256 // pow2, pow2))
    first[:, L.CH_SMALL] = small
    first[:, L.CH_INR] = inr
    first[:, L.CH_BITS:L.CH_BITS + 3] = np.stack([r & 1, (r >> 1) & 1, (r >> 2) & 1], axis=1)
    first[:, L.CH_POW] = pow2
    first[:, L.CH_M] = m_col
    _set_word(first, L.W0_OFFSET, s)
    _set_word(first, L.W1_OFFSET, a)
    # y = a · m as 33 bytes (y_32 is the last carry), for SHL and SHR
    y = np.zeros((m, 32), dtype=np.int64)
    carry = np.zeros((m, 32), dtype=np.int64)
    c = np.zeros(m, dtype=np.int64)
    for k in range(32):
        t = a[:, k] * m_col + c
        y[:, k] = t & 0xFF
        c = t >> 8
        carry[:, k] = c
    y[is_byte] = 0
    carry[is_byte] = 0
    y[is_byte, 0] = ((small - inr) * (s0 - 32))[is_byte]
    _set_word(first, L.W2_OFFSET, y)
    # the one-hot byte position: q for SHL/SHR, 31 − i for BYTE
    h = np.zeros((m, 32), dtype=np.int64)
    position = np.where(is_byte, 31 - np.minimum(s0, 31), q)
    active = np.where(is_byte, inr, mul_active) == 1
    h[np.nonzero(active)[0], position[active]] = 1
    second[:, L.CH_SH2] = 1
    _set_word(second, L.W0_OFFSET, result)
    _set_word(second, L.W1_OFFSET, h)
    _set_word(second, L.W2_OFFSET, carry)
    return out
