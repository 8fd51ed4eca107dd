"""
Memory
======

EVM memory is a ``bytearray`` that only grows, in 32-byte words. Opcodes pay
for the growth first (see :mod:`l2.vm.gas`), extend the bytearray, then read
or write through these helpers.
"""

from __future__ import annotations


def memory_read(memory: bytearray, start: int, size: int) -> bytes:
    """``size`` bytes from ``start`` (memory was already extended to cover them)."""
    if size == 0:
        return b""
    return bytes(memory[start : start + size])


def memory_write(memory: bytearray, start: int, data: bytes) -> None:
    """Overwrite memory at ``start`` (memory was already extended to cover it)."""
    if data:
        memory[start : start + len(data)] = data


def buffer_read(buffer: bytes, start: int, size: int) -> bytes:
    """``size`` bytes of ``buffer`` from ``start``, zero-padded past its end."""
    if size == 0:
        return b""
    if start >= len(buffer):
        return bytes(size)
    data = buffer[start : start + size]
    if len(data) < size:
        data = data + bytes(size - len(data))
    return data
