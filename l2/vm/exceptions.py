"""
Exceptions
==========

How a frame stops early. An :class:`ExceptionalHalt` consumes all gas of the
frame and rolls its state changes back; :class:`Revert` rolls back too but
keeps the unused gas and returns data to the caller.
"""

from __future__ import annotations


class EvmError(Exception):
    """Base class of everything that ends a frame early."""


class Revert(EvmError):
    """The REVERT opcode ran."""


class ExceptionalHalt(EvmError):
    """A failure that consumes all the frame's gas."""


class StackUnderflowError(ExceptionalHalt):
    """An opcode needed more words than the stack holds."""


class StackOverflowError(ExceptionalHalt):
    """The stack would exceed 1024 words."""


class OutOfGasError(ExceptionalHalt):
    """The frame ran out of gas (also: initcode or code above its size limit)."""


class InvalidOpcode(ExceptionalHalt):
    """An undefined or unsupported opcode, or INVALID (0xFE)."""


class InvalidJumpDestError(ExceptionalHalt):
    """JUMP/JUMPI to a byte that is not a JUMPDEST instruction."""


class WriteInStaticContext(ExceptionalHalt):
    """A state change inside a STATICCALL."""


class OutOfBoundsRead(ExceptionalHalt):
    """RETURNDATACOPY past the end of the return data."""


class InvalidContractPrefix(ExceptionalHalt):
    """EIP-3541: created code may not start with 0xEF."""


class AddressCollision(ExceptionalHalt):
    """A contract creation targets an address that already has code, nonce or storage."""
