"""Journaled world state: snapshots, originals, transient storage, change tracking."""

from __future__ import annotations

import pytest

from l2.state.world import EMPTY_CODE_HASH, Account, WorldState, code_hash

A = b"\xaa" * 20
B = b"\xbb" * 20
C = b"\xcc" * 20


def make_state() -> WorldState:
    return WorldState({A: Account(nonce=1, balance=100, code=b"\x00", storage={1: 10, 2: 20}), B: Account(balance=5)})


def test_getters_and_defaults():
    state = make_state()
    assert state.get_nonce(A) == 1 and state.get_balance(A) == 100 and state.get_code(A) == b"\x00"
    assert state.get_storage(A, 1) == 10 and state.get_storage(A, 3) == 0
    assert state.get_nonce(C) == 0 and state.get_balance(C) == 0 and state.get_code(C) == b""
    assert C not in state
    assert state.get_code_hash(C) == EMPTY_CODE_HASH
    assert state.get_code_hash(A) == code_hash(b"\x00")
    assert state.is_alive(A) and not state.is_alive(C)


def test_constructor_copies_accounts():
    account = Account(storage={1: 1})
    state = WorldState({A: account})
    state.set_storage(A, 1, 2)
    assert account.storage == {1: 1}


def test_revert_undoes_everything_after_snapshot():
    state = make_state()
    before = state.to_dict()
    snap = state.snapshot()
    state.set_storage(A, 1, 11)
    state.set_storage(A, 2, 0)
    state.set_storage(A, 9, 99)
    state.set_balance(A, 1)
    state.increment_nonce(A)
    state.set_code(A, b"\x01\x02")
    state.transfer(B, C, 5)
    state.set_nonce(C, 7)
    state.delete_account(B)
    assert state.to_dict() != before
    state.revert(snap)
    assert state.to_dict() == before
    assert C not in state


def test_nested_snapshots_commit_inner_revert_outer():
    state = make_state()
    outer = state.snapshot()
    state.set_storage(A, 1, 1)
    inner = state.snapshot()
    state.set_storage(A, 2, 2)
    state.commit(inner)
    assert state.get_storage(A, 2) == 2
    inner2 = state.snapshot()
    state.set_storage(A, 1, 3)
    state.revert(inner2)
    assert state.get_storage(A, 1) == 1
    state.revert(outer)
    assert state.get_storage(A, 1) == 10 and state.get_storage(A, 2) == 20


def test_zero_values_are_not_stored():
    state = make_state()
    state.set_storage(A, 1, 0)
    assert 1 not in state.storage_items(A)
    state.set_storage(A, 5, 0)
    assert 5 not in state.storage_items(A)


def test_original_storage_is_value_at_transaction_start():
    state = make_state()
    state.begin_transaction()
    state.set_storage(A, 1, 11)
    state.set_storage(A, 1, 12)
    assert state.get_original_storage(A, 1) == 10
    assert state.get_original_storage(A, 7) == 0
    state.set_storage(A, 7, 1)
    assert state.get_original_storage(A, 7) == 0
    state.begin_transaction()
    assert state.get_original_storage(A, 1) == 12
    assert state.get_original_storage(A, 7) == 1


def test_transient_storage_is_journaled_and_cleared_per_transaction():
    state = make_state()
    state.begin_transaction()
    state.set_transient(A, 1, 5)
    snap = state.snapshot()
    state.set_transient(A, 1, 6)
    state.set_transient(A, 2, 7)
    state.revert(snap)
    assert state.get_transient(A, 1) == 5 and state.get_transient(A, 2) == 0
    assert state.get_storage(A, 1) == 10  # persistent storage untouched
    state.begin_transaction()
    assert state.get_transient(A, 1) == 0


def test_access_sets_are_journaled():
    state = make_state()
    state.begin_transaction()
    assert state.warm_address(A) is False
    assert state.warm_address(A) is True
    snap = state.snapshot()
    assert state.warm_address(B) is False
    assert state.warm_slot(A, 1) is False
    assert state.warm_slot(A, 1) is True
    state.revert(snap)
    assert state.is_warm_address(A) and not state.is_warm_address(B)
    assert not state.is_warm_slot(A, 1)
    state.begin_transaction()
    assert not state.is_warm_address(A)


def test_touched_and_eip161_cleanup():
    state = WorldState({A: Account(), B: Account(balance=1)})
    state.begin_transaction()
    state.touch(A)
    state.touch(B)
    snap = state.snapshot()
    state.touch(C)
    state.revert(snap)
    assert state.touched == {A, B}
    assert state.destroy_touched_empty() == [A]
    assert A not in state and B in state


def test_changes_since_marker_lists_surviving_writes():
    state = make_state()
    marker = state.marker()
    state.begin_transaction()
    state.set_storage(A, 1, 11)
    state.warm_address(C)  # not a state change
    state.get_balance(B)  # a read is not a change
    snap = state.snapshot()
    state.set_storage(A, 2, 0)
    state.set_balance(C, 3)
    state.revert(snap)  # reverted writes are not changes
    state.increment_nonce(B)
    changes = state.changes(marker)
    assert changes.slots == {(A, 1)}
    assert changes.accounts == {B}
    later = state.marker()
    state.set_code(C, b"\x01")
    assert state.changes(later).accounts == {C}
    assert state.dirty_keys(marker).accounts == {B, C}


def test_forget_changes_invalidates_older_markers():
    state = make_state()
    old = state.marker()
    state.set_storage(A, 1, 1)
    new = state.forget_changes()
    state.set_storage(A, 2, 2)
    assert state.changes(new).slots == {(A, 2)}
    with pytest.raises(ValueError):
        state.changes(old)
    with pytest.raises(ValueError):
        state.revert(old)


def test_transaction_accesses_report_old_and_new_values():
    state = make_state()
    state.begin_transaction()
    state.get_storage(A, 2)
    state.set_storage(A, 1, 99)
    state.transfer(A, C, 40)
    accesses = {(a.kind, a.address, a.slot): (a.old, a.new) for a in state.transaction_accesses()}
    assert accesses[("storage", A, 1)] == (10, 99)
    assert accesses[("storage", A, 2)] == (20, 20)
    assert accesses[("balance", A, None)] == (100, 60)
    assert accesses[("balance", C, None)] == (0, 40)
    assert accesses[("nonce", C, None)] == (0, 0)
    assert ("balance", B, None) not in accesses


def test_copy_is_independent():
    state = make_state()
    clone = state.copy()
    clone.set_storage(A, 1, 0)
    clone.set_balance(B, 0)
    assert state.get_storage(A, 1) == 10 and state.get_balance(B) == 5
    assert clone != state
    assert state.copy() == state


def test_bad_inputs_rejected():
    state = make_state()
    with pytest.raises(ValueError):
        state.set_balance(A, -1)
    with pytest.raises(ValueError):
        state.transfer(B, A, 6)
    with pytest.raises(ValueError):
        WorldState({b"\x01": Account()})
