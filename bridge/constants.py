"""Addresses and amounts the bridge's two sides agree on.

``L2_BRIDGE`` is a system account on L2 without a key or code.  Genesis gives it ``L2_RESERVE`` wei:
a deposit on L1 is credited on L2 as a transfer *from* this account (its nonce is the deposit id,
so the batch proof's nonce rule makes every deposit land exactly once and in order), and a
withdrawal on L2 is a plain transfer *to* it whose calldata is the 20-byte L1 recipient.  Value
sent there cannot move again (nobody can sign for the account), so it is out of L2 circulation, and

    L2 supply from deposits = L2_RESERVE − balance(L2_BRIDGE)
    L1 bridge balance       = deposits − claimed withdrawals

agree once every withdrawal is claimed.
"""

from __future__ import annotations

L2_BRIDGE = bytes.fromhex("4200000000000000000000000000000000000010")
"""The L2 system account deposits come from and withdrawals go to."""

L2_RESERVE = 1 << 200
"""Wei the L2 bridge account holds at genesis (far more than any L1 can lock)."""

WITHDRAWAL_DATA_BYTES = 20
"""A withdrawal's calldata: exactly the L1 recipient's address."""
