"""The batch statement's encoding: deposits and transactions round-trip, every byte is bound."""

from __future__ import annotations

import pytest

from bridge.constants import L2_BRIDGE
from l2.batch_statement import BatchStatement, Deposit, StatementError

ROOT = tuple(range(1, 9))


def statement(**kw):
    base = dict(chain_id=1337, number=3, prev_root=ROOT, new_root=ROOT[::-1], timestamp=1_700_000_000,
                base_fee=10**9, fee_recipient=b"\xfe" * 20, gas_limit=30_000_000, transactions=(b"\x01\x02", b""),
                deposits=(Deposit(4, b"\x11" * 20, 5), Deposit(5, b"\x22" * 20, 10**30)))
    base.update(kw)
    return BatchStatement(**base)


def test_round_trip_and_commitment():
    s = statement()
    assert BatchStatement.from_bytes(s.to_bytes()) == s
    assert statement(deposits=(Deposit(4, b"\x11" * 20, 6), Deposit(5, b"\x22" * 20, 10**30))).commitment != s.commitment
    data = s.to_bytes()
    for cut in range(len(data)):
        with pytest.raises(StatementError):
            BatchStatement.from_bytes(data[:cut])
    with pytest.raises(StatementError):
        BatchStatement.from_bytes(data + b"\x00")


def test_deposits_are_consecutive_and_become_bridge_transfers():
    with pytest.raises(StatementError, match="consecutive"):
        statement(deposits=(Deposit(4, b"\x11" * 20, 5), Deposit(6, b"\x22" * 20, 1)))
    records = statement(transactions=()).transfer_inputs().transfers
    assert [(r.sender, r.nonce, r.value, r.fee, r.cost) for r in records] == [
        (L2_BRIDGE, 4, 5, 0, 5), (L2_BRIDGE, 5, 10**30, 0, 10**30)]
