"""
Opcodes
=======

The opcodes this VM implements, the registry mapping each to the function
that executes it, and the stack effect of each.

Every byte value not in :class:`Op` executes as INVALID: an exceptional
halt that consumes all gas of the frame. That includes real EVM opcodes
left out of this subset (CREATE2, DELEGATECALL, CALLCODE, SELFDESTRUCT,
EXTCODECOPY, BLOCKHASH, COINBASE, PREVRANDAO, GASLIMIT, BLOBHASH, ...).

:data:`STACK_IO` gives for each opcode the pair (δ, α) of the Yellow Paper:
δ words are popped and α pushed. DUPn is (n, n + 1) and SWAPn (n + 1,
n + 1): the trace records a step's effect on the stack as exactly these
pops and pushes, so a circuit checks every step with the same rule.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Callable

from .instructions import (
    arithmetic,
    bitwise,
    block,
    comparison,
    control_flow,
    environment,
    keccak,
    log,
    memory,
    stack,
    storage,
    system,
)

__all__ = ["Op", "OPCODES", "STACK_IO", "op_name"]


class Op(IntEnum):
    STOP = 0x00
    ADD = 0x01
    MUL = 0x02
    SUB = 0x03
    DIV = 0x04
    SDIV = 0x05
    MOD = 0x06
    SMOD = 0x07
    ADDMOD = 0x08
    MULMOD = 0x09
    EXP = 0x0A
    SIGNEXTEND = 0x0B

    LT = 0x10
    GT = 0x11
    SLT = 0x12
    SGT = 0x13
    EQ = 0x14
    ISZERO = 0x15
    AND = 0x16
    OR = 0x17
    XOR = 0x18
    NOT = 0x19
    BYTE = 0x1A
    SHL = 0x1B
    SHR = 0x1C
    SAR = 0x1D

    KECCAK256 = 0x20

    ADDRESS = 0x30
    BALANCE = 0x31
    ORIGIN = 0x32
    CALLER = 0x33
    CALLVALUE = 0x34
    CALLDATALOAD = 0x35
    CALLDATASIZE = 0x36
    CALLDATACOPY = 0x37
    CODESIZE = 0x38
    CODECOPY = 0x39
    GASPRICE = 0x3A
    EXTCODESIZE = 0x3B
    RETURNDATASIZE = 0x3D
    RETURNDATACOPY = 0x3E
    EXTCODEHASH = 0x3F

    NUMBER = 0x43
    TIMESTAMP = 0x42
    CHAINID = 0x46
    SELFBALANCE = 0x47
    BASEFEE = 0x48

    POP = 0x50
    MLOAD = 0x51
    MSTORE = 0x52
    MSTORE8 = 0x53
    SLOAD = 0x54
    SSTORE = 0x55
    JUMP = 0x56
    JUMPI = 0x57
    PC = 0x58
    MSIZE = 0x59
    GAS = 0x5A
    JUMPDEST = 0x5B
    TLOAD = 0x5C
    TSTORE = 0x5D
    MCOPY = 0x5E
    PUSH0 = 0x5F
    PUSH1 = 0x60
    PUSH2 = 0x61
    PUSH3 = 0x62
    PUSH4 = 0x63
    PUSH5 = 0x64
    PUSH6 = 0x65
    PUSH7 = 0x66
    PUSH8 = 0x67
    PUSH9 = 0x68
    PUSH10 = 0x69
    PUSH11 = 0x6A
    PUSH12 = 0x6B
    PUSH13 = 0x6C
    PUSH14 = 0x6D
    PUSH15 = 0x6E
    PUSH16 = 0x6F
    PUSH17 = 0x70
    PUSH18 = 0x71
    PUSH19 = 0x72
    PUSH20 = 0x73
    PUSH21 = 0x74
    PUSH22 = 0x75
    PUSH23 = 0x76
    PUSH24 = 0x77
    PUSH25 = 0x78
    PUSH26 = 0x79
    PUSH27 = 0x7A
    PUSH28 = 0x7B
    PUSH29 = 0x7C
    PUSH30 = 0x7D
    PUSH31 = 0x7E
    PUSH32 = 0x7F
    DUP1 = 0x80
    DUP2 = 0x81
    DUP3 = 0x82
    DUP4 = 0x83
    DUP5 = 0x84
    DUP6 = 0x85
    DUP7 = 0x86
    DUP8 = 0x87
    DUP9 = 0x88
    DUP10 = 0x89
    DUP11 = 0x8A
    DUP12 = 0x8B
    DUP13 = 0x8C
    DUP14 = 0x8D
    DUP15 = 0x8E
    DUP16 = 0x8F
    SWAP1 = 0x90
    SWAP2 = 0x91
    SWAP3 = 0x92
    SWAP4 = 0x93
    SWAP5 = 0x94
    SWAP6 = 0x95
    SWAP7 = 0x96
    SWAP8 = 0x97
    SWAP9 = 0x98
    SWAP10 = 0x99
    SWAP11 = 0x9A
    SWAP12 = 0x9B
    SWAP13 = 0x9C
    SWAP14 = 0x9D
    SWAP15 = 0x9E
    SWAP16 = 0x9F
    LOG0 = 0xA0
    LOG1 = 0xA1
    LOG2 = 0xA2
    LOG3 = 0xA3
    LOG4 = 0xA4

    CREATE = 0xF0
    CALL = 0xF1
    RETURN = 0xF3
    STATICCALL = 0xFA
    REVERT = 0xFD
    INVALID = 0xFE


OPCODES: dict[Op, Callable] = {
    Op.STOP: control_flow.stop,
    Op.ADD: arithmetic.add,
    Op.MUL: arithmetic.mul,
    Op.SUB: arithmetic.sub,
    Op.DIV: arithmetic.div,
    Op.SDIV: arithmetic.sdiv,
    Op.MOD: arithmetic.mod,
    Op.SMOD: arithmetic.smod,
    Op.ADDMOD: arithmetic.addmod,
    Op.MULMOD: arithmetic.mulmod,
    Op.EXP: arithmetic.exp,
    Op.SIGNEXTEND: arithmetic.signextend,
    Op.LT: comparison.less_than,
    Op.GT: comparison.greater_than,
    Op.SLT: comparison.signed_less_than,
    Op.SGT: comparison.signed_greater_than,
    Op.EQ: comparison.equal,
    Op.ISZERO: comparison.is_zero,
    Op.AND: bitwise.bitwise_and,
    Op.OR: bitwise.bitwise_or,
    Op.XOR: bitwise.bitwise_xor,
    Op.NOT: bitwise.bitwise_not,
    Op.BYTE: bitwise.get_byte,
    Op.SHL: bitwise.bitwise_shl,
    Op.SHR: bitwise.bitwise_shr,
    Op.SAR: bitwise.bitwise_sar,
    Op.KECCAK256: keccak.keccak,
    Op.ADDRESS: environment.address,
    Op.BALANCE: environment.balance,
    Op.ORIGIN: environment.origin,
    Op.CALLER: environment.caller,
    Op.CALLVALUE: environment.callvalue,
    Op.CALLDATALOAD: environment.calldataload,
    Op.CALLDATASIZE: environment.calldatasize,
    Op.CALLDATACOPY: environment.calldatacopy,
    Op.CODESIZE: environment.codesize,
    Op.CODECOPY: environment.codecopy,
    Op.GASPRICE: environment.gasprice,
    Op.EXTCODESIZE: environment.extcodesize,
    Op.RETURNDATASIZE: environment.returndatasize,
    Op.RETURNDATACOPY: environment.returndatacopy,
    Op.EXTCODEHASH: environment.extcodehash,
    Op.TIMESTAMP: block.timestamp,
    Op.NUMBER: block.number,
    Op.CHAINID: block.chain_id,
    Op.SELFBALANCE: environment.self_balance,
    Op.BASEFEE: block.base_fee,
    Op.POP: stack.pop,
    Op.MLOAD: memory.mload,
    Op.MSTORE: memory.mstore,
    Op.MSTORE8: memory.mstore8,
    Op.SLOAD: storage.sload,
    Op.SSTORE: storage.sstore,
    Op.JUMP: control_flow.jump,
    Op.JUMPI: control_flow.jumpi,
    Op.PC: control_flow.pc,
    Op.MSIZE: memory.msize,
    Op.GAS: control_flow.gas_left,
    Op.JUMPDEST: control_flow.jumpdest,
    Op.TLOAD: storage.tload,
    Op.TSTORE: storage.tstore,
    Op.MCOPY: memory.mcopy,
    Op.PUSH0: stack.push0,
    **{Op(Op.PUSH1 + n - 1): stack.PUSH[n] for n in range(1, 33)},
    **{Op(Op.DUP1 + n - 1): stack.DUP[n] for n in range(1, 17)},
    **{Op(Op.SWAP1 + n - 1): stack.SWAP[n] for n in range(1, 17)},
    **{Op(Op.LOG0 + n): log.LOG[n] for n in range(5)},
    Op.CREATE: system.create,
    Op.CALL: system.call,
    Op.RETURN: system.return_,
    Op.STATICCALL: system.staticcall,
    Op.REVERT: system.revert,
    Op.INVALID: system.invalid,
}


def _stack_io() -> dict[Op, tuple[int, int]]:
    io: dict[Op, tuple[int, int]] = {
        Op.STOP: (0, 0),
        Op.ADDMOD: (3, 1),
        Op.MULMOD: (3, 1),
        Op.ISZERO: (1, 1),
        Op.NOT: (1, 1),
        Op.KECCAK256: (2, 1),
        Op.BALANCE: (1, 1),
        Op.CALLDATALOAD: (1, 1),
        Op.CALLDATACOPY: (3, 0),
        Op.CODECOPY: (3, 0),
        Op.EXTCODESIZE: (1, 1),
        Op.EXTCODEHASH: (1, 1),
        Op.RETURNDATACOPY: (3, 0),
        Op.POP: (1, 0),
        Op.MLOAD: (1, 1),
        Op.MSTORE: (2, 0),
        Op.MSTORE8: (2, 0),
        Op.SLOAD: (1, 1),
        Op.SSTORE: (2, 0),
        Op.JUMP: (1, 0),
        Op.JUMPI: (2, 0),
        Op.JUMPDEST: (0, 0),
        Op.TLOAD: (1, 1),
        Op.TSTORE: (2, 0),
        Op.MCOPY: (3, 0),
        Op.CREATE: (3, 1),
        Op.CALL: (7, 1),
        Op.RETURN: (2, 0),
        Op.STATICCALL: (6, 1),
        Op.REVERT: (2, 0),
        Op.INVALID: (0, 0),
    }
    binary = [
        Op.ADD, Op.MUL, Op.SUB, Op.DIV, Op.SDIV, Op.MOD, Op.SMOD, Op.EXP, Op.SIGNEXTEND,
        Op.LT, Op.GT, Op.SLT, Op.SGT, Op.EQ, Op.AND, Op.OR, Op.XOR, Op.BYTE, Op.SHL,
        Op.SHR, Op.SAR,
    ]
    for op in binary:
        io[op] = (2, 1)
    nullary = [
        Op.ADDRESS, Op.ORIGIN, Op.CALLER, Op.CALLVALUE, Op.CALLDATASIZE, Op.CODESIZE,
        Op.GASPRICE, Op.RETURNDATASIZE, Op.TIMESTAMP, Op.NUMBER, Op.CHAINID,
        Op.SELFBALANCE, Op.BASEFEE, Op.PC, Op.MSIZE, Op.GAS, Op.PUSH0,
    ]
    for op in nullary:
        io[op] = (0, 1)
    for n in range(1, 33):
        io[Op(Op.PUSH1 + n - 1)] = (0, 1)
    for n in range(1, 17):
        io[Op(Op.DUP1 + n - 1)] = (n, n + 1)
        io[Op(Op.SWAP1 + n - 1)] = (n + 1, n + 1)
    for n in range(5):
        io[Op(Op.LOG0 + n)] = (2 + n, 0)
    return io


STACK_IO: dict[Op, tuple[int, int]] = _stack_io()

assert set(STACK_IO) == set(OPCODES) == set(Op)


def op_name(opcode: int) -> str:
    """The mnemonic of a byte, or ``INVALID(0x..)`` for bytes outside the subset."""
    try:
        return Op(opcode).name
    except ValueError:
        return f"INVALID(0x{opcode:02x})"
