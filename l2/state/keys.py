"""Leaf keys of the state tree: what (address, kind, slot) a leaf stores and where it sits.

Every piece of account state is one leaf of a single sparse Merkle tree (as in Polygon zkEVM):

=============  =============================  =====================================
kind           slot                           value
=============  =============================  =====================================
``NONCE``      —                              the account nonce
``BALANCE``    —                              the balance in wei
``CODE_HASH``  —                              keccak-256 of the code, as an integer
``STORAGE``    the 256-bit storage slot       the 256-bit storage word
=============  =============================  =====================================

Leaf key = ``hash_elements(address limbs ‖ [kind] ‖ slot limbs, DOMAIN_KEY)`` — 8 field elements.
The address (20 bytes, read big-endian as Ethereum does) is split into 10 little-endian 16-bit
limbs (limb 0 holds the least significant 16 bits); a slot into 16 such limbs; non-storage kinds
have no slot limbs, and the sponge binds the input length, so the two shapes cannot collide.

Path: the key's bits, element 0 first, least significant bit first::

    path = key[0] + key[1]·2^31 + key[2]·2^62 + … + key[7]·2^217      (248 bits)

and bit ``d`` of ``path`` is the direction taken at depth ``d`` (0 = left, 1 = right).  Every
element is < p < 2^31, so distinct keys have distinct paths.  The low 27 bits of each element are
uniform for a hash output (p = 15·2^27 + 1), so the first levels of the tree are balanced.
"""

from __future__ import annotations

from enum import IntEnum
from functools import lru_cache

from circuits.field import P
from circuits.poseidon2 import DIGEST_SIZE, hash_elements

__all__ = [
    "Kind", "Key", "DOMAIN_KEY", "KEY_BITS", "ELEMENT_BITS", "ADDRESS_LIMBS", "WORD_LIMBS",
    "address_bytes", "address_limbs", "word_limbs", "limbs_to_word",
    "account_key", "storage_key", "key_path", "check_key",
]

Key = tuple[int, ...]
"""A leaf key: 8 canonical BabyBear elements."""


class Kind(IntEnum):
    """What a leaf holds about an account."""

    NONCE = 0
    BALANCE = 1
    CODE_HASH = 2
    STORAGE = 3


DOMAIN_KEY = int.from_bytes(b"SKEY", "big")
"""Sponge domain tag of key derivation (ASCII "SKEY", < p)."""

ELEMENT_BITS = 31
"""Path bits taken from each key element."""

KEY_BITS = ELEMENT_BITS * DIGEST_SIZE
"""Path length of a key: 248 bits, the deepest a leaf can sit."""

ADDRESS_LIMBS = 10
"""16-bit limbs of a 160-bit address."""

WORD_LIMBS = 16
"""16-bit limbs of a 256-bit word."""

_WORD_MAX = 1 << 256


def address_bytes(address: bytes | str) -> bytes:
    """A 20-byte address from bytes or a ``0x``-prefixed hex string."""
    if isinstance(address, str):
        text = address[2:] if address.startswith(("0x", "0X")) else address
        try:
            address = bytes.fromhex(text)
        except ValueError as exc:
            raise ValueError(f"address {address!r} is not hex") from exc
    if not isinstance(address, (bytes, bytearray)) or len(address) != 20:
        raise ValueError("an address is 20 bytes")
    return bytes(address)


def address_limbs(address: bytes | str) -> list[int]:
    """10 little-endian 16-bit limbs of the address read as a big-endian 160-bit integer."""
    value = int.from_bytes(address_bytes(address), "big")
    return [(value >> (16 * i)) & 0xFFFF for i in range(ADDRESS_LIMBS)]


def word_limbs(value: int) -> list[int]:
    """16 little-endian 16-bit limbs of a 256-bit word."""
    value = int(value)
    if not 0 <= value < _WORD_MAX:
        raise ValueError("a word is an integer in [0, 2^256)")
    return [(value >> (16 * i)) & 0xFFFF for i in range(WORD_LIMBS)]


def limbs_to_word(limbs) -> int:
    """Inverse of :func:`word_limbs`."""
    return sum(int(limb) << (16 * i) for i, limb in enumerate(limbs))


@lru_cache(maxsize=1 << 16)
def _key(address: bytes, kind: int, slot: int | None) -> Key:
    elems = address_limbs(address) + [kind]
    if slot is not None:
        elems += word_limbs(slot)
    return hash_elements(elems, DOMAIN_KEY)


def account_key(address: bytes | str, kind: Kind) -> Key:
    """Leaf key of an account field (``NONCE``, ``BALANCE`` or ``CODE_HASH``)."""
    kind = Kind(kind)
    if kind is Kind.STORAGE:
        raise ValueError("storage leaves need a slot: use storage_key(address, slot)")
    return _key(address_bytes(address), int(kind), None)


def storage_key(address: bytes | str, slot: int) -> Key:
    """Leaf key of storage slot ``slot`` (a 256-bit integer) of a contract."""
    slot = int(slot)
    if not 0 <= slot < _WORD_MAX:
        raise ValueError("a storage slot is an integer in [0, 2^256)")
    return _key(address_bytes(address), int(Kind.STORAGE), slot)


def check_key(key) -> Key:
    """``key`` as a tuple of 8 canonical elements; ValueError otherwise."""
    if (type(key) is tuple and len(key) == DIGEST_SIZE and all(type(x) is int for x in key)
            and min(key) >= 0 and max(key) < P):
        return key
    try:
        out = tuple(int(x) for x in key)
    except TypeError as exc:
        raise ValueError("a key is a sequence of 8 field elements") from exc
    if len(out) != DIGEST_SIZE or any(not 0 <= x < P for x in out):
        raise ValueError("a key is a sequence of 8 canonical BabyBear elements")
    return out


def key_path(key: Key) -> int:
    """The key's 248 path bits as an integer: bit d is the direction at depth d."""
    k0, k1, k2, k3, k4, k5, k6, k7 = key
    return (k0 | k1 << 31 | k2 << 62 | k3 << 93 | k4 << 124 | k5 << 155 | k6 << 186 | k7 << 217)
