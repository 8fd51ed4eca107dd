"""Which opcodes the execution circuit proves — the one place that says so.

:data:`PROVEN_OPCODES` holds every opcode byte with a constraint group (:data:`circuits.vm.opcodes.SPECS`),
INVALID included (0xFE and every byte the VM does not define, which the EVM executes as INVALID).
:func:`unproven_steps` lists what in a recorded run the circuit cannot prove, so a caller can refuse it
with a reason naming the opcode and the pc, before any proving work:

* an opcode outside :data:`PROVEN_OPCODES`;
* an exceptional halt other than out of gas, stack underflow or overflow, an invalid jump
  destination, INVALID and a RETURNDATACOPY out of bounds (which, with the empty return data of one
  frame, is every RETURNDATACOPY with a non-zero offset or size — also when it runs out of gas on its
  words or expansion first: the same halt);
* a memory step (MLOAD, MSTORE, MSTORE8, RETURN/REVERT with a non-zero size, CALLDATACOPY,
  CODECOPY, MCOPY) with an offset or size of 2^24 or more — which completes only with more than 2^28
  gas (a copy's offsets even when it copies nothing);
* a KECCAK256 or LOG with a size of 2^24 or more, or with a non-zero size at an offset of 2^24 or
  more (a LOG pays 8 gas a byte, so only a KECCAK256 of 16 MiB or more completes at all);
* a memory step that runs out of gas while its static cost alone is affordable (out of gas on the
  expansion is not proven; for KECCAK256 and LOG neither on its words, topics or data), an EXP that
  runs out of gas on its exponent's bytes (its static 10 affordable), a storage step that runs out
  of gas, or a BALANCE, EXTCODESIZE or EXTCODEHASH that runs out of gas on its cold surcharge (its
  static 100 affordable);
* a step in a nested call frame, and CALL, STATICCALL or CREATE (one table proves one frame), unless
  the run is proven frame by frame (``frames=True``: each frame its own table, linked by call records,
  as batches prove them); then a CALL, STATICCALL or CREATE that fails other than by stack underflow
  or, for CREATE, a static frame's halt (out of gas, a CALL sending value from a static frame) is not
  proven.  A write in a static frame (SSTORE, TSTORE, LOGn, CREATE) halts, and that is proven
  (:mod:`circuits.vm.static`).
"""

from __future__ import annotations

from typing import Any

from circuits.vm.opcodes import GROUP_OF_BYTE, SPECS, UNPROVEN, Group

PROVEN_OPCODES: frozenset[int] = frozenset(b for b in range(256) if GROUP_OF_BYTE[b] != UNPROVEN)

MEMORY_BOUND = 1 << 24
MEMORY_GROUPS = (Group.MLOAD, Group.MSTORE, Group.MSTORE8, Group.RETURN, Group.REVERT, Group.CALLDATACOPY,
                 Group.CODECOPY, Group.MCOPY, Group.KECCAK256, Group.LOG)
READ_GROUPS = (Group.KECCAK256, Group.LOG)
"""Steps that read a memory range into public entries (:mod:`circuits.vm.reads`)."""
DYNAMIC_GAS_GROUPS = (*READ_GROUPS, Group.EXP)
"""Steps whose gas beyond the static cost is charged only when they complete (EXP: 50 a byte of its
exponent, :mod:`circuits.vm.linked`)."""
ACCOUNT_READS = (Group.BALANCE, Group.EXTCODESIZE, Group.EXTCODEHASH)
"""Account reads pay their cold surcharge (EIP-2929) only when they complete (:mod:`circuits.vm.accounts`)."""

PROVEN_ERRORS = frozenset({"OutOfGasError", "StackUnderflowError", "StackOverflowError", "InvalidJumpDestError",
                           "InvalidOpcode", "OutOfBoundsRead", "WriteInStaticContext"})


def _name(step: Any) -> str:
    name = getattr(step, "name", None)
    return name if isinstance(name, str) else f"0x{step.opcode:02x}"


CALLS = (Group.CALL, Group.STATICCALL, Group.CREATE)


def unproven_steps(trace: Any, frames: bool = False) -> list[tuple[str, int]]:
    """(description, pc) of each distinct unprovable thing a run did, first seen first.

    ``trace`` is anything with ``steps`` whose items have ``opcode``, ``pc``, ``error``, ``pops``,
    ``gas_before`` and (optionally) ``depth`` and ``name`` — an ``l2.vm.trace.ExecutionTrace`` for instance.
    """
    found: dict[tuple[str, int], None] = {}
    for step in trace.steps:
        name = _name(step)
        group = GROUP_OF_BYTE[step.opcode]
        if getattr(step, "depth", 0) and not frames:
            found.setdefault((f"{name} (in a nested call frame)", step.pc), None)
        elif step.opcode not in PROVEN_OPCODES or (group in CALLS and not frames):
            found.setdefault((name, step.pc), None)
        elif group in CALLS and step.error not in (None, "StackUnderflowError") and not (
                group == Group.CREATE and step.error == "WriteInStaticContext"):
            found.setdefault((f"{name} ({step.error})", step.pc), None)
            found.setdefault((name, step.pc), None)
        elif step.error is not None and step.error not in PROVEN_ERRORS:
            found.setdefault((f"{name} ({step.error})", step.pc), None)
        elif group in MEMORY_GROUPS and step.error is None and _beyond_memory_bound(group, step.pops):
            found.setdefault((f"{name} (memory offset or size of 2^24 or more)", step.pc), None)
        elif (group in DYNAMIC_GAS_GROUPS and step.error == "OutOfGasError"
              and step.gas_before >= SPECS[Group(group)].gas):
            found.setdefault((f"{name} (out of gas beyond its static cost)", step.pc), None)
        elif (group in MEMORY_GROUPS and step.error == "OutOfGasError"
              and step.gas_before >= SPECS[Group(group)].gas):
            found.setdefault((f"{name} (out of gas on memory expansion)", step.pc), None)
        elif group in (Group.SLOAD, Group.SSTORE) and step.error == "OutOfGasError":
            found.setdefault((f"{name} (out of gas on a storage step)", step.pc), None)
        elif (group in ACCOUNT_READS and step.error == "OutOfGasError"
              and step.gas_before >= SPECS[Group(group)].gas):
            found.setdefault((f"{name} (out of gas on a cold account read)", step.pc), None)
    return list(found)


def _beyond_memory_bound(group: int, pops: tuple) -> bool:
    if group in (Group.CALLDATACOPY, Group.CODECOPY, Group.MCOPY):
        return any(v >= MEMORY_BOUND for v in pops)
    if group in (Group.RETURN, Group.REVERT):
        return len(pops) == 2 and pops[1] != 0 and (pops[0] >= MEMORY_BOUND or pops[1] >= MEMORY_BOUND)
    if group in READ_GROUPS:
        return len(pops) >= 2 and (pops[1] >= MEMORY_BOUND or (pops[1] != 0 and pops[0] >= MEMORY_BOUND))
    return bool(pops) and pops[0] >= MEMORY_BOUND
