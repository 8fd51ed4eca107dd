"""The Solidity ABI encoding of Python values, to price calls and events as Ethereum would.

A Python contract method takes Python objects, but the transaction that calls it on Ethereum carries
``selector || abi_encode(args)``, and an event's data is the ABI encoding of its non-indexed fields;
that is what calldata and LOG gas are charged on. Types are inferred from the values:

==================  ===========  =============================================================
Python value        ABI type     encoding
==================  ===========  =============================================================
``bool``            ``bool``     one word
``int`` >= 0        ``uint256``  one word (``int256``, two's complement, when negative)
20 bytes            ``address``  one word, left-padded
32 bytes            ``bytes32``  one word
other ``bytes``     ``bytes``    offset word; length word + data right-padded to words
``str``             ``string``   as ``bytes`` of its UTF-8
list / tuple        ``T[]``      offset word; length word + the elements encoded as a tuple
==================  ===========  =============================================================

The selector is the first 4 bytes of keccak-256 of ``name(type,...)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from l2.crypto import keccak256

__all__ = ["abi_type", "abi_encode", "selector", "encode_call"]

_WORD = 32


def abi_type(value: Any) -> str:
    """The ABI type this module encodes ``value`` as (see the module docstring)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "uint256" if value >= 0 else "int256"
    if isinstance(value, (bytes, bytearray)):
        return {20: "address", 32: "bytes32"}.get(len(value), "bytes")
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        types = {abi_type(v) for v in value}
        if len(types) > 1:
            raise TypeError(f"a list encodes as T[] only when all elements have one ABI type, not {sorted(types)}")
        return (types.pop() if types else "uint256") + "[]"
    raise TypeError(f"no ABI encoding for {type(value).__name__}; pass the transaction's calldata explicitly")


def _is_dynamic(t: str) -> bool:
    return t in ("bytes", "string") or t.endswith("[]")


def _word(value: int) -> bytes:
    return value.to_bytes(_WORD, "big")


def _encode_static(t: str, value: Any) -> bytes:
    if t == "bool":
        return _word(int(value))
    if t == "uint256":
        if value >= 1 << 256:
            raise ValueError(f"{value} does not fit a uint256")
        return _word(value)
    if t == "int256":
        if value < -(1 << 255):
            raise ValueError(f"{value} does not fit an int256")
        return _word(value % (1 << 256))
    if t == "address":
        return bytes(12) + bytes(value)
    if t == "bytes32":
        return bytes(value)
    raise AssertionError(t)


def _encode_tail(t: str, value: Any) -> bytes:
    if t in ("bytes", "string"):
        data = value.encode() if isinstance(value, str) else bytes(value)
        padded = data + bytes(-len(data) % _WORD)
        return _word(len(data)) + padded
    return _word(len(value)) + _encode_tuple([t[:-2]] * len(value), value)


def _encode_tuple(types: Sequence[str], values: Sequence[Any]) -> bytes:
    # heads: static values in place, dynamic values as the offset of their tail from the tuple's start
    heads: list[bytes] = []
    tails: list[bytes] = []
    offset = _WORD * len(types)
    for t, v in zip(types, values):
        if _is_dynamic(t):
            tail = _encode_tail(t, v)
            heads.append(_word(offset))
            tails.append(tail)
            offset += len(tail)
        else:
            heads.append(_encode_static(t, v))
    return b"".join(heads) + b"".join(tails)


def abi_encode(values: Sequence[Any]) -> bytes:
    """The ABI encoding of ``values`` as a tuple of their inferred types."""
    return _encode_tuple([abi_type(v) for v in values], values)


def selector(signature: str) -> bytes:
    """The 4-byte function selector of ``name(type,...)``."""
    return keccak256(signature.encode())[:4]


def encode_call(method: str, args: Sequence[Any]) -> bytes:
    """``selector(method(types)) || abi_encode(args)``: the calldata of a call to ``method(*args)``."""
    types = [abi_type(v) for v in args]
    return selector(f"{method}({','.join(types)})") + _encode_tuple(types, args)
