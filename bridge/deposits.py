"""Deposits on the L2 side: crediting L1 deposits to the L2 state, exactly as the batch proof states it.

A deposit ``(id, recipient, amount)`` is applied as a fee-free transfer from the L2 bridge account
(:data:`~bridge.constants.L2_BRIDGE`) whose nonce must equal the deposit id: the account's nonce is
the id of the next deposit to credit, so deposits land once each, in queue order — the same rule
the transfer table of the batch proof enforces (its nonce constraint), with the deposit as a
transfer of ``fee = 0`` and ``cost = amount``.
"""

from __future__ import annotations

from typing import Any, Iterable

from bridge.constants import L2_BRIDGE


class DepositError(ValueError):
    """A deposit that cannot be credited now (out of order, or more than the bridge account holds)."""


def next_deposit_id(world: Any) -> int:
    """The id of the next deposit the L2 state expects (the bridge account's nonce)."""
    return world.get_nonce(L2_BRIDGE)


def apply_deposits(world: Any, deposits: Iterable[Any]) -> None:
    """Credit ``deposits`` (objects with ``id``, ``recipient``, ``amount``) to ``world`` in order."""
    for d in deposits:
        expected = world.get_nonce(L2_BRIDGE)
        if d.id != expected:
            raise DepositError(f"deposit {d.id} out of order (the next deposit is {expected})")
        reserve = world.get_balance(L2_BRIDGE)
        if d.amount > reserve:
            raise DepositError(f"deposit {d.id} of {d.amount} wei exceeds the bridge reserve ({reserve} wei)")
        world.set_balance(L2_BRIDGE, reserve - d.amount)
        world.increment_nonce(L2_BRIDGE)
        if d.amount:  # a zero credit leaves a missing account missing (as the transfer table does)
            world.set_balance(d.recipient, world.get_balance(d.recipient) + d.amount)
