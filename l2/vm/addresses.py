"""
Addresses
=========

Contract addresses (``keccak(rlp([sender, nonce]))[12:]``) and the set of
precompile addresses that EIP-2929 treats as warm from the start.
"""

from __future__ import annotations

from Crypto.Hash import keccak

# precompiled contracts 0x01..0x0a (ecrecover .. point evaluation): warm per
# EIP-2929, but not implemented here, so calling one runs no code
PRECOMPILE_ADDRESSES = tuple(i.to_bytes(20, "big") for i in range(1, 11))


def _rlp_sender_nonce(sender: bytes, nonce: int) -> bytes:
    """rlp([sender, nonce]): a 20-byte string and a scalar, always a short list.

    A string of 20 bytes is 0x94 ‖ bytes; a scalar is one byte below 0x80
    (zero is the empty string 0x80), else 0x80 + length ‖ big-endian bytes.
    A nonce fits in 64 bits (EIP-2681), so the payload is at most 21 + 9
    bytes and the list prefix is 0xC0 + length.
    """
    if nonce == 0:
        encoded_nonce = b"\x80"
    elif nonce < 0x80:
        encoded_nonce = bytes([nonce])
    else:
        raw = nonce.to_bytes((nonce.bit_length() + 7) // 8, "big")
        encoded_nonce = bytes([0x80 + len(raw)]) + raw
    payload = b"\x94" + sender + encoded_nonce
    return bytes([0xC0 + len(payload)]) + payload


def compute_contract_address(sender: bytes, nonce: int) -> bytes:
    """The address CREATE gives a contract made by ``sender`` at ``nonce``."""
    if len(sender) != 20 or nonce < 0:
        raise ValueError("sender must be 20 bytes and nonce non-negative")
    return keccak.new(digest_bits=256, data=_rlp_sender_nonce(sender, nonce)).digest()[12:]
