"""
Code analysis
=============

One pass over a contract's bytes before it runs: the set of valid jump
destinations (JUMPDEST bytes that are instructions, not PUSH data) and the
immediate value of every PUSH, so the interpreter never re-reads push bytes.
Results are cached by code, since the same contract runs again and again.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["CodeInfo", "analyze", "PUSH1", "PUSH32", "JUMPDEST"]

PUSH1 = 0x60
PUSH32 = 0x7F
JUMPDEST = 0x5B

_CACHE_LIMIT = 512
_cache: dict[bytes, CodeInfo] = {}


class CodeInfo(NamedTuple):
    """Valid jump destinations and PUSH immediates (index = pc of the PUSH)."""

    jumpdests: frozenset[int]
    push_values: dict[int, int]


def analyze(code: bytes) -> CodeInfo:
    """Jump destinations and push values of ``code`` (cached)."""
    info = _cache.get(code)
    if info is None:
        info = _analyze(code)
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        _cache[code] = info
    return info


def _analyze(code: bytes) -> CodeInfo:
    jumpdests = []
    push_values: dict[int, int] = {}
    n = len(code)
    pc = 0
    while pc < n:
        op = code[pc]
        if op == JUMPDEST:
            jumpdests.append(pc)
        elif PUSH1 <= op <= PUSH32:
            width = op - PUSH1 + 1
            data = code[pc + 1 : pc + 1 + width]
            # push data running past the end of the code reads as zero bytes
            push_values[pc] = int.from_bytes(data, "big") << (8 * (width - len(data)))
            pc += width
        pc += 1
    return CodeInfo(frozenset(jumpdests), push_values)
