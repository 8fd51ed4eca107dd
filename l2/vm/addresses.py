"""
Addresses
=========

Contract addresses (``keccak(rlp([sender, nonce]))[12:]``) and the set of
precompile addresses that EIP-2929 treats as warm from the start.
"""

from __future__ import annotations

import rlp
from Crypto.Hash import keccak

# precompiled contracts 0x01..0x0a (ecrecover .. point evaluation): warm per
# EIP-2929, but not implemented here, so calling one runs no code
PRECOMPILE_ADDRESSES = tuple(i.to_bytes(20, "big") for i in range(1, 11))


def compute_contract_address(sender: bytes, nonce: int) -> bytes:
    """The address CREATE gives a contract made by ``sender`` at ``nonce``."""
    digest = keccak.new(digest_bits=256, data=rlp.encode([sender, nonce])).digest()
    return digest[12:]
