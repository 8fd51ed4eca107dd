"""Execution tables for a run with calls: one table per frame, linked by call records.

A transaction whose code calls other contracts or creates them is proven frame by frame
(:mod:`circuits.vm.calls`):
:func:`frame_witnesses` splits the recorded run (:func:`l2.call_frames.split_frames`), writes each
frame's steps — each completed CALL or STATICCALL with its :class:`~circuits.vm.call_record.CallRecord`
(and CREATE) — into that frame's execution table, and returns the tables and their statements in execution order;
:func:`l2.call_frames.compose` is what a verifier runs over those statements.
"""

from __future__ import annotations

from typing import Any

from circuits.vm.proven import unproven_steps
from circuits.vm.tables import Environment
from circuits.vm.witness import StepRecord, WitnessError, build_trace
from l2.call_frames import FrameRun, call_records, split_frames
from l2.vm import BlockEnv, TxEnv
from l2.vm.trace import ExecutionTrace

__all__ = ["FrameWitness", "frame_steps", "frame_witnesses", "unprovable_with_calls"]


class FrameWitness:
    """One frame's execution table (``matrix``) and public statement."""

    __slots__ = ("run", "matrix", "statement")

    def __init__(self, run: FrameRun, matrix: Any, statement: Any):
        self.run, self.matrix, self.statement = run, matrix, statement


def unprovable_with_calls(trace: ExecutionTrace) -> list[tuple[str, int]]:
    """What in a run the frame-by-frame proof cannot prove (opcode and pc), as
    :func:`circuits.vm.proven.unproven_steps` lists it."""
    return unproven_steps(trace, frames=True)


def frame_steps(run: FrameRun, trace: ExecutionTrace) -> list[StepRecord]:
    """The frame's steps as the execution table takes them, each completed call with its record (the
    record's key is set when the table is built: the head row's clk)."""
    records = iter(call_records(run, trace))
    out = []
    for s in run.steps:
        op = s.storage_ops[0] if s.storage_ops else None
        call = next(records) if s.opcode in (0xF0, 0xF1, 0xFA) and s.error is None else None
        out.append(StepRecord(s.pc, s.opcode, s.gas_before, s.stack_pointer_before, s.pops, s.pushes, s.error,
                              slot_before=op.value_before if op else 0, slot_warm=op.warm_before if op else False,
                              account=s.account, call=call))
    return out


def _environment(run: FrameRun, block_env: BlockEnv, tx_env: TxEnv) -> Environment:
    c = run.context
    return Environment(int.from_bytes(c.address, "big"), int.from_bytes(c.caller, "big"), c.value,
                       bytes(c.calldata), int.from_bytes(tx_env.origin, "big"), tx_env.gas_price,
                       block_env.number, block_env.timestamp, block_env.chain_id, block_env.base_fee)


def frame_witnesses(trace: ExecutionTrace, block_env: BlockEnv, tx_env: TxEnv) -> list[FrameWitness]:
    """Every frame's table and statement, in execution order; ValueError (one line) names what cannot
    be proven."""
    bad = unprovable_with_calls(trace)
    if bad:
        listed = ", ".join(f"{name} at pc {pc}" for name, pc in bad[:5])
        raise ValueError(f"the run executes what the circuit does not prove: {listed}")
    out = []
    # a slot's original value is the transaction's start (what an earlier frame wrote is not)
    originals: dict[bytes, dict[int, int]] = {}
    for a in trace.state_accesses:
        if a.kind == "storage":
            originals.setdefault(a.address, {})[a.slot] = a.old
    for run in split_frames(trace):
        c = run.context
        status, gas_left, output = run.result()  # a creation's: its initcode's own end
        try:
            matrix, statement = build_trace(c.code, c.gas, frame_steps(run, trace), status, gas_left,
                                            output, env=_environment(run, block_env, tx_env),
                                            originals=originals.get(c.address), static=c.is_static)
        except (WitnessError, ValueError) as error:
            raise ValueError(f"frame {run.index} (address 0x{c.address.hex()}): {error}") from None
        out.append(FrameWitness(run, matrix, statement))
    return out
