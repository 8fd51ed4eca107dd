"""Which opcodes the execution circuit proves — the one place that says so.

:data:`PROVEN_OPCODES` holds every opcode byte with a constraint group (:data:`circuits.vm.opcodes.SPECS`),
INVALID included (0xFE and every byte the VM does not define, which the EVM executes as INVALID).
:func:`unproven_steps` lists what in a recorded run the circuit cannot prove, so a caller can refuse it
with a reason naming the opcode and the pc, before any proving work:

* an opcode outside :data:`PROVEN_OPCODES`;
* an exceptional halt other than out of gas, stack underflow and INVALID (stack overflow, invalid
  jump destination, …);
* RETURN or REVERT with a non-zero size (the circuit has no memory yet, so output must be empty);
* a step in a nested call frame (the circuit proves one frame).
"""

from __future__ import annotations

from typing import Any

from circuits.vm.opcodes import GROUP_OF_BYTE, UNPROVEN, Group

PROVEN_OPCODES: frozenset[int] = frozenset(b for b in range(256) if GROUP_OF_BYTE[b] != UNPROVEN)

PROVEN_ERRORS = frozenset({"OutOfGasError", "StackUnderflowError", "InvalidOpcode"})


def _name(step: Any) -> str:
    name = getattr(step, "name", None)
    return name if isinstance(name, str) else f"0x{step.opcode:02x}"


def unproven_steps(trace: Any) -> list[tuple[str, int]]:
    """(description, pc) of each distinct unprovable thing a run did, first seen first.

    ``trace`` is anything with ``steps`` whose items have ``opcode``, ``pc``, ``error``, ``pops`` and
    (optionally) ``depth`` and ``name`` — an ``l2.vm.trace.ExecutionTrace`` for instance.
    """
    found: dict[tuple[str, int], None] = {}
    for step in trace.steps:
        name = _name(step)
        group = GROUP_OF_BYTE[step.opcode]
        if getattr(step, "depth", 0):
            found.setdefault((f"{name} (in a nested call frame)", step.pc), None)
        elif step.opcode not in PROVEN_OPCODES:
            found.setdefault((name, step.pc), None)
        elif step.error is not None and step.error not in PROVEN_ERRORS:
            found.setdefault((f"{name} ({step.error})", step.pc), None)
        elif (group in (Group.RETURN, Group.REVERT) and step.error is None and len(step.pops) == 2
              and step.pops[1] != 0):
            found.setdefault((f"{name} (non-empty output)", step.pc), None)
    return list(found)
