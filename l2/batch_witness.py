"""Witnesses of a batch of plain transfers: the transfer table and the state table it talks to.

:func:`transfer_inputs` prices posted transactions the way :func:`l2.executor.check_transaction`
and :func:`l2.executor.apply_transaction` do for a call to an account without code (gas used = the
intrinsic gas; the whole fee goes to the fee recipient) and checks what needs no state: a call, not
a creation or a precompile; a priority fee not above the fee cap; a fee cap covering the base fee; a
gas limit covering the intrinsic gas and fitting in the batch.  What needs the state (nonce, code,
funds) is checked by the replay in :func:`transfer_batch`, and proven by the circuits.

:func:`transfer_batch` replays the transfers on a state tree and builds both traces: the
:class:`~circuits.transfer_air.TransferAir` rows and, from the accesses those rows put on the bus,
the :class:`~circuits.state_air.StateBusAir` blocks (the state witness code of
:mod:`l2.state.witness`), with the roots before and after.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from circuits.state_air import AccessRecord, StateBusInputs
from circuits.transfer_air import TransferInputs, TransferRecord, transfer_trace
from l2.state.tree import StateTree
from l2.state.witness import Access, build_trace, replay
from l2.tx import FeeError, Transaction, effective_gas_price, intrinsic_gas
from l2.vm import PRECOMPILE_ADDRESSES

__all__ = ["TransferBatch", "transfer_inputs", "inputs_from_transfers", "transfer_batch", "batch_traces"]

_PRECOMPILES = frozenset(PRECOMPILE_ADDRESSES)


def transfer_inputs(txs_with_senders: Sequence[tuple[Transaction, bytes]], base_fee: int, fee_recipient: bytes,
                    gas_limit: int | None = None) -> TransferInputs:
    """The public inputs of the transfer table for ``(tx, sender)`` pairs applied in order.

    ``fee = intrinsic_gas(tx) × effective price``, ``cost = tx.gas × max_fee_per_gas + tx.value``.
    ``gas_limit`` is the batch's gas limit (each transaction's gas limit must fit in what the
    transactions before it left).  Raises ValueError, naming the transaction, when one is not a plain
    transfer that a batch with ``base_fee`` can include.
    """
    records = []
    gas_left = gas_limit
    for i, (tx, sender) in enumerate(txs_with_senders):
        if tx.to is None:
            raise ValueError(f"transaction {i} creates a contract (not a plain transfer)")
        if bytes(tx.to) in _PRECOMPILES:
            raise ValueError(f"transaction {i} calls a precompile (not a plain transfer)")
        if tx.max_priority_fee_per_gas > tx.max_fee_per_gas:
            raise ValueError(f"transaction {i}: max priority fee per gas above max fee per gas")
        needed = intrinsic_gas(tx)
        if tx.gas < needed:
            raise ValueError(f"transaction {i}: gas limit {tx.gas} below intrinsic gas {needed}")
        if gas_left is not None:
            if tx.gas > gas_left:
                raise ValueError(f"transaction {i}: gas limit {tx.gas} above the gas left in the batch ({gas_left})")
            gas_left -= needed
        try:
            price = effective_gas_price(tx, base_fee)
        except FeeError as exc:
            raise ValueError(f"transaction {i}: {exc}") from None
        records.append(TransferRecord(sender=sender, to=tx.to, nonce=tx.nonce, value=tx.value, fee=needed * price,
                                      cost=tx.gas * tx.max_fee_per_gas + tx.value))
    return TransferInputs(tuple(records), fee_recipient)


def inputs_from_transfers(transfers: Sequence[Any], fee_recipient: bytes) -> TransferInputs:
    """The public inputs from transfers already priced: objects with ``sender, to, nonce, value, fee,
    cost`` attributes (e.g. what a batch statement derives from its posted transactions)."""
    return TransferInputs(tuple(TransferRecord(t.sender, t.to, t.nonce, t.value, t.fee, t.cost) for t in transfers),
                          fee_recipient)


@dataclass(frozen=True, eq=False)
class TransferBatch:
    """Both tables' traces and public inputs for one batch of transfers (states as tree roots)."""

    transfer_trace: np.ndarray
    transfer_inputs: TransferInputs
    state_trace: np.ndarray
    state_inputs: StateBusInputs
    accesses: tuple[AccessRecord, ...]


def transfer_batch(tree: StateTree, inputs: TransferInputs, min_rows: int = 256) -> TransferBatch:
    """Replay ``inputs`` on ``tree`` (left unchanged) and build both tables' witnesses.

    Raises ValueError when a transfer is not valid on the state it finds (see
    :func:`circuits.transfer_air.transfer_trace`).
    """
    t_trace, records = transfer_trace(inputs, tree.get, min_rows)
    work = tree.copy()
    steps = replay(work, [Access.write(r.key, r.new_value) for r in records])
    if [s.record for s in steps] != records:
        raise ValueError("the tree disagrees with the transfer replay")   # not expected: both read the same state
    s_trace = build_trace(steps, tree.root, min_rows)
    return TransferBatch(t_trace, inputs, s_trace, StateBusInputs(tree.root, work.root, len(records)), tuple(records))


def batch_traces(transfers: Sequence[Any], fee_recipient: bytes, state_before: Any,
                 prev_root: Sequence[int] | None = None, new_root: Sequence[int] | None = None,
                 min_rows: int = 256) -> list[np.ndarray]:
    """[transfer trace, state trace] for priced ``transfers`` applied to ``state_before`` (a
    :class:`~l2.state.world.WorldState` or a :class:`~l2.state.tree.StateTree`).

    With ``prev_root`` / ``new_root`` given, raises ValueError unless the state's root and the root
    after the transfers are those.
    """
    if isinstance(state_before, StateTree):
        tree = state_before
    else:
        from l2.sequencer import state_tree

        tree = state_tree(state_before)
    batch = transfer_batch(tree, inputs_from_transfers(transfers, fee_recipient), min_rows)
    for name, want, got in (("previous", prev_root, batch.state_inputs.prev_root),
                            ("new", new_root, batch.state_inputs.new_root)):
        if want is not None and tuple(int(x) for x in want) != got:
            raise ValueError(f"the {name} state root is not the one the transfers give")
    return [batch.transfer_trace, batch.state_trace]
