"""The Keccak table beside the execution tables: it proves the digests every KECCAK256 pushed.

An execution table (:class:`circuits.vm.air.VmAir`) proves that each KECCAK256 step read the bytes of
a public entry from memory and pushed that entry's digest — ``VmStatement.hashes`` lists them as
(key, message, digest) — but not that the digest *is* keccak-256 of the message.  That is the job of
one :class:`circuits.keccak_air.Keccak256Air` table in the same multi-table proof:

* its messages are the execution statements' messages, statement after statement, in order;
* the prover supplies the sponge's chaining states (200 bytes per 136-byte block absorbed), carried
  as advice next to the statements and bound by the transcript; the verifier derives every
  permutation input from them and the messages, and the table proves every permutation;
* the verifier then requires each statement's listed digest to be the table's digest of the same
  message (:func:`check_digests`), so a false digest needs a false permutation.

Advice section (after the execution statements)::

    blocks u32 | chaining state × blocks (25 little-endian u64 lanes each)

``blocks`` must be the number of blocks the messages pad to; an empty section (no KECCAK256 in any
statement) is ``blocks = 0`` and no table.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from circuits.keccak_air import Keccak256Air, Keccak256Statement, keccak256_trace
from circuits.keccak_layout import LANES, RATE_BYTES

__all__ = ["KECCAK_AIR", "hash_messages", "keccak_table", "encode_states", "decode_states", "check_digests",
           "block_count"]

KECCAK_AIR = Keccak256Air()
STATE_BYTES = 8 * LANES


def hash_messages(statements: Iterable[Any]) -> list[bytes]:
    """Every KECCAK256 message of ``statements`` (VmStatement), statement after statement."""
    return [message for st in statements for _key, message, _digest in st.hashes]


def block_count(messages: Sequence[bytes]) -> int:
    """How many 136-byte blocks the messages pad to (one permutation each; padding adds at least
    one byte, so a message of exactly k blocks takes k + 1)."""
    return sum(len(m) // RATE_BYTES + 1 for m in messages)


def keccak_table(statements: Iterable[Any]) -> tuple[Keccak256Statement, np.ndarray] | None:
    """(statement, trace) of the Keccak table for these execution statements; None without KECCAK256."""
    messages = hash_messages(statements)
    if not messages:
        return None
    trace, statement = keccak256_trace(messages)
    return statement, trace


def encode_states(statement: Keccak256Statement | None) -> bytes:
    """The advice section for a Keccak table (or for none)."""
    if statement is None:
        return struct.pack(">I", 0)
    return struct.pack(">I", statement.states.shape[0]) + statement.states.astype("<u8").tobytes()


def decode_states(data: bytes, pos: int, messages: Sequence[bytes]) -> tuple[Keccak256Statement | None, int]:
    """Read the advice section at ``pos`` for ``messages``; (statement or None, position after it).

    ValueError names what is wrong: a block count that is not the messages', a truncated section."""
    if len(data) - pos < 4:
        raise ValueError("truncated Keccak section")
    (blocks,) = struct.unpack_from(">I", data, pos)
    pos += 4
    expected = block_count(messages)
    if blocks != expected:
        raise ValueError(f"the Keccak section has {blocks} chaining states, the messages need {expected}")
    if not blocks:
        return None, pos
    size = blocks * STATE_BYTES
    if len(data) - pos < size:
        raise ValueError("truncated Keccak chaining states")
    states = np.frombuffer(data, dtype="<u8", count=blocks * LANES, offset=pos).astype(np.uint64).reshape(blocks, LANES)
    return Keccak256Statement(tuple(messages), states), pos + size


def check_digests(statements: Sequence[Any], keccak: Keccak256Statement | None, names: Sequence[str] | None = None) -> None:
    """Require every digest the statements list to be the Keccak table's digest of its message (the
    table's messages are the statements' own, so the counts agree).

    ``names`` label the statements in the error (e.g. "transaction 3"); ValueError otherwise."""
    digests = keccak.digests if keccak is not None else []
    at = 0
    for i, st in enumerate(statements):
        for k, (_key, _message, digest) in enumerate(st.hashes):
            if at >= len(digests) or digests[at] != digest:
                who = names[i] if names else f"statement {i}"
                raise ValueError(f"{who}: KECCAK256 #{k} pushed a digest the Keccak table does not prove")
            at += 1
