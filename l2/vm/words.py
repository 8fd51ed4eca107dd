"""
256-bit words
=============

The EVM stack holds unsigned 256-bit integers. Python ints represent them
directly; these helpers give the two's-complement view and the conversions
between words, addresses and bytes.
"""

from __future__ import annotations

U256_MAX = (1 << 256) - 1
U256_CEIL = 1 << 256
SIGN_BIT = 1 << 255
ADDRESS_MASK = (1 << 160) - 1


def to_signed(value: int) -> int:
    """The two's-complement reading of a word."""
    return value - U256_CEIL if value & SIGN_BIT else value


def to_unsigned(value: int) -> int:
    """A signed integer in [-2^255, 2^255) as a word."""
    return value & U256_MAX


def to_address(value: int) -> bytes:
    """The low 160 bits of a word as a 20-byte address."""
    return (value & ADDRESS_MASK).to_bytes(20, "big")


def address_to_word(address: bytes) -> int:
    return int.from_bytes(address, "big")
