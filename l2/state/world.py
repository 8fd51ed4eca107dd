"""
Journaled in-memory world state
===============================

The accounts the VM reads and writes while it executes: nonce, balance, code
and storage per 20-byte address, plus the per-transaction bookkeeping the EVM
needs (EIP-2929 access sets, EIP-2200 original storage values, EIP-1153
transient storage, touched accounts).

Every mutation appends an undo record to one flat journal. A snapshot is a
position in that journal; reverting undoes the records after it in reverse
order, committing keeps them. Because reverted writes disappear from the
journal, the journal after a marker is exactly the set of surviving changes:
:meth:`WorldState.changes` reads it so the node can update its Merkle state
tree incrementally instead of rehashing every account.

Storage dictionaries hold non-zero values only: a slot set to zero is
removed, so the storage of an account is the sparse map a state tree commits
to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Iterator

from Crypto.Hash import keccak

__all__ = [
    "Account",
    "StateChanges",
    "TransactionAccess",
    "WorldState",
    "code_hash",
    "EMPTY_CODE_HASH",
]


@lru_cache(maxsize=4096)
def code_hash(code: bytes) -> bytes:
    """Keccak-256 of a contract's code (cached: code is immutable and reused)."""
    return keccak.new(digest_bits=256, data=code).digest()


EMPTY_CODE_HASH = code_hash(b"")


@dataclass(slots=True)
class Account:
    """One account. ``storage`` maps slot → value and never holds a zero value."""

    nonce: int = 0
    balance: int = 0
    code: bytes = b""
    storage: dict[int, int] = field(default_factory=dict)

    def is_empty(self) -> bool:
        """EIP-161 emptiness: no nonce, no balance, no code."""
        return self.nonce == 0 and self.balance == 0 and not self.code

    def copy(self) -> Account:
        return Account(self.nonce, self.balance, self.code, dict(self.storage))


@dataclass(frozen=True, slots=True)
class StateChanges:
    """Accounts and storage slots whose value changed after a journal marker."""

    accounts: frozenset[bytes]
    slots: frozenset[tuple[bytes, int]]


@dataclass(frozen=True, slots=True)
class TransactionAccess:
    """One field of state read or written in the current transaction.

    ``kind`` is ``"nonce"``, ``"balance"``, ``"code"`` (values are the code
    hash as an integer) or ``"storage"`` (``slot`` set). ``old`` is the value
    at the start of the transaction, ``new`` the value now; a pure read has
    ``old == new``.
    """

    kind: str
    address: bytes
    slot: int | None
    old: int
    new: int


# Journal record tags. Each record is a tuple whose first item is the tag.
_NEW_ACCOUNT = 0      # (tag, address)                    undo: delete the account
_NONCE = 1            # (tag, address, old)
_BALANCE = 2          # (tag, address, old)
_CODE = 3             # (tag, address, old)
_STORAGE = 4          # (tag, address, slot, old)
_DELETE_ACCOUNT = 5   # (tag, address, account)           undo: put the account back
_TRANSIENT = 6        # (tag, (address, slot), old)
_WARM_ADDRESS = 7     # (tag, address)
_WARM_SLOT = 8        # (tag, (address, slot))
_TOUCH = 9            # (tag, address)
_CLEAR_STORAGE = 10   # (tag, address, storage dict)

_ACCOUNT_CHANGES = (_NEW_ACCOUNT, _NONCE, _BALANCE, _CODE, _DELETE_ACCOUNT)


class WorldState:
    """Accounts keyed by 20-byte address, with a journal for nested rollback.

    A transaction is bracketed by :meth:`begin_transaction`, which resets the
    access sets, transient storage, touched set and the record of original
    values. Within it, each call frame takes a :meth:`snapshot` and either
    :meth:`commit` s or :meth:`revert` s it.
    """

    __slots__ = (
        "_accounts",
        "_journal",
        "_journal_base",
        "_original_accounts",
        "_original_storage",
        "_transient",
        "accessed_addresses",
        "accessed_storage_keys",
        "touched",
    )

    def __init__(self, accounts: dict[bytes, Account] | None = None) -> None:
        self._accounts: dict[bytes, Account] = {}
        if accounts:
            for address, account in accounts.items():
                self._accounts[_check_address(address)] = account.copy()
        self._journal: list[tuple] = []
        # markers are absolute positions; forget_changes() drops the journal
        # prefix and moves the base so older markers are detectably stale
        self._journal_base = 0
        self._original_accounts: dict[bytes, tuple[int, int, bytes] | None] = {}
        self._original_storage: dict[tuple[bytes, int], int] = {}
        self._transient: dict[tuple[bytes, int], int] = {}
        self.accessed_addresses: set[bytes] = set()
        self.accessed_storage_keys: set[tuple[bytes, int]] = set()
        self.touched: set[bytes] = set()

    # ------------------------------------------------------------------ accounts

    def __contains__(self, address: bytes) -> bool:
        return address in self._accounts

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._accounts)

    def __len__(self) -> int:
        return len(self._accounts)

    def get_account(self, address: bytes) -> Account | None:
        """The live account object (do not mutate it: use the setters)."""
        self._record_account(address)
        return self._accounts.get(address)

    def account_exists(self, address: bytes) -> bool:
        self._record_account(address)
        return address in self._accounts

    def account_exists_and_is_empty(self, address: bytes) -> bool:
        self._record_account(address)
        account = self._accounts.get(address)
        return account is not None and account.is_empty()

    def is_alive(self, address: bytes) -> bool:
        """EIP-161 liveness: the account exists and is not empty."""
        self._record_account(address)
        account = self._accounts.get(address)
        return account is not None and not account.is_empty()

    def has_code_or_nonce(self, address: bytes) -> bool:
        self._record_account(address)
        account = self._accounts.get(address)
        return account is not None and (account.nonce != 0 or account.code != b"")

    def has_storage(self, address: bytes) -> bool:
        account = self._accounts.get(address)
        return account is not None and bool(account.storage)

    def _record_account(self, address: bytes) -> None:
        # first access in the transaction: remember the value it started with
        if address not in self._original_accounts:
            account = self._accounts.get(address)
            self._original_accounts[address] = (
                None if account is None else (account.nonce, account.balance, account.code)
            )

    def _account_for_write(self, address: bytes) -> Account:
        self._record_account(address)
        account = self._accounts.get(address)
        if account is None:
            account = Account()
            self._accounts[address] = account
            self._journal.append((_NEW_ACCOUNT, address))
        return account

    def get_nonce(self, address: bytes) -> int:
        self._record_account(address)
        account = self._accounts.get(address)
        return 0 if account is None else account.nonce

    def set_nonce(self, address: bytes, nonce: int) -> None:
        account = self._account_for_write(address)
        self._journal.append((_NONCE, address, account.nonce))
        account.nonce = nonce

    def increment_nonce(self, address: bytes) -> None:
        account = self._account_for_write(address)
        self._journal.append((_NONCE, address, account.nonce))
        account.nonce += 1

    def get_balance(self, address: bytes) -> int:
        self._record_account(address)
        account = self._accounts.get(address)
        return 0 if account is None else account.balance

    def set_balance(self, address: bytes, balance: int) -> None:
        if balance < 0:
            raise ValueError("balance cannot be negative")
        account = self._account_for_write(address)
        self._journal.append((_BALANCE, address, account.balance))
        account.balance = balance

    def transfer(self, sender: bytes, recipient: bytes, amount: int) -> None:
        """Move ``amount`` wei; the caller has checked the sender can pay."""
        sender_balance = self.get_balance(sender)
        if sender_balance < amount:
            raise ValueError("sender balance below the amount transferred")
        self.set_balance(sender, sender_balance - amount)
        self.set_balance(recipient, self.get_balance(recipient) + amount)

    def get_code(self, address: bytes) -> bytes:
        self._record_account(address)
        account = self._accounts.get(address)
        return b"" if account is None else account.code

    def get_code_hash(self, address: bytes) -> bytes:
        return code_hash(self.get_code(address))

    def set_code(self, address: bytes, code: bytes) -> None:
        account = self._account_for_write(address)
        self._journal.append((_CODE, address, account.code))
        account.code = bytes(code)

    def delete_account(self, address: bytes) -> None:
        self._record_account(address)
        account = self._accounts.pop(address, None)
        if account is not None:
            self._journal.append((_DELETE_ACCOUNT, address, account))

    def clear_storage(self, address: bytes) -> None:
        """Drop all storage of an account (a contract created over old storage)."""
        account = self._accounts.get(address)
        if account is not None and account.storage:
            for slot, value in account.storage.items():
                self._original_storage.setdefault((address, slot), value)
            self._journal.append((_CLEAR_STORAGE, address, account.storage))
            account.storage = {}

    # ------------------------------------------------------------------- storage

    def get_storage(self, address: bytes, slot: int) -> int:
        account = self._accounts.get(address)
        value = 0 if account is None else account.storage.get(slot, 0)
        key = (address, slot)
        if key not in self._original_storage:
            self._original_storage[key] = value
        return value

    def peek_storage(self, address: bytes, slot: int) -> int:
        """Read a slot without recording it as accessed (for observers)."""
        account = self._accounts.get(address)
        return 0 if account is None else account.storage.get(slot, 0)

    def get_original_storage(self, address: bytes, slot: int) -> int:
        """EIP-2200 original value: the slot's value when the transaction began."""
        key = (address, slot)
        original = self._original_storage.get(key)
        if original is None:
            original = self.get_storage(address, slot)
        return original

    def set_storage(self, address: bytes, slot: int, value: int) -> None:
        account = self._account_for_write(address)
        storage = account.storage
        old = storage.get(slot, 0)
        key = (address, slot)
        if key not in self._original_storage:
            self._original_storage[key] = old
        self._journal.append((_STORAGE, address, slot, old))
        if value:
            storage[slot] = value
        else:
            storage.pop(slot, None)

    def storage_items(self, address: bytes) -> dict[int, int]:
        """A copy of the non-zero storage of an account."""
        account = self._accounts.get(address)
        return {} if account is None else dict(account.storage)

    # --------------------------------------------------------- transient storage

    def get_transient(self, address: bytes, slot: int) -> int:
        return self._transient.get((address, slot), 0)

    def set_transient(self, address: bytes, slot: int, value: int) -> None:
        key = (address, slot)
        self._journal.append((_TRANSIENT, key, self._transient.get(key, 0)))
        if value:
            self._transient[key] = value
        else:
            self._transient.pop(key, None)

    # ------------------------------------------------------ EIP-2929 access sets

    def is_warm_address(self, address: bytes) -> bool:
        return address in self.accessed_addresses

    def warm_address(self, address: bytes) -> bool:
        """Mark an address accessed; return whether it already was (warm)."""
        if address in self.accessed_addresses:
            return True
        self.accessed_addresses.add(address)
        self._journal.append((_WARM_ADDRESS, address))
        return False

    def is_warm_slot(self, address: bytes, slot: int) -> bool:
        return (address, slot) in self.accessed_storage_keys

    def warm_slot(self, address: bytes, slot: int) -> bool:
        """Mark a storage key accessed; return whether it already was (warm)."""
        key = (address, slot)
        if key in self.accessed_storage_keys:
            return True
        self.accessed_storage_keys.add(key)
        self._journal.append((_WARM_SLOT, key))
        return False

    # ------------------------------------------------------------------- touched

    def touch(self, address: bytes) -> None:
        if address not in self.touched:
            self.touched.add(address)
            self._journal.append((_TOUCH, address))

    def destroy_touched_empty(self) -> list[bytes]:
        """EIP-161: delete touched accounts that ended the transaction empty."""
        removed = []
        for address in sorted(self.touched):
            account = self._accounts.get(address)
            if account is not None and account.is_empty():
                self.delete_account(address)
                removed.append(address)
        return removed

    # --------------------------------------------------------------- transactions

    def begin_transaction(self) -> None:
        """Reset everything that lives for one transaction only."""
        self._original_accounts = {}
        self._original_storage = {}
        self._transient = {}
        self.accessed_addresses = set()
        self.accessed_storage_keys = set()
        self.touched = set()

    def transaction_accesses(self) -> list[TransactionAccess]:
        """Every account field and slot read or written since begin_transaction.

        Sorted by address then kind then slot, so the list is deterministic.
        """
        out: list[TransactionAccess] = []
        for address in sorted(self._original_accounts):
            before = self._original_accounts[address]
            account = self._accounts.get(address)
            old_n, old_b, old_c = (0, 0, b"") if before is None else before
            if account is None:
                new_n, new_b, new_c = 0, 0, b""
            else:
                new_n, new_b, new_c = account.nonce, account.balance, account.code
            out.append(TransactionAccess("nonce", address, None, old_n, new_n))
            out.append(TransactionAccess("balance", address, None, old_b, new_b))
            out.append(
                TransactionAccess(
                    "code",
                    address,
                    None,
                    int.from_bytes(code_hash(old_c), "big"),
                    int.from_bytes(code_hash(new_c), "big"),
                )
            )
        for address, slot in sorted(self._original_storage):
            out.append(
                TransactionAccess(
                    "storage",
                    address,
                    slot,
                    self._original_storage[(address, slot)],
                    self.peek_storage(address, slot),
                )
            )
        return out

    # -------------------------------------------------------------------- journal

    def snapshot(self) -> int:
        """A point to revert to: the current journal position."""
        return self._journal_base + len(self._journal)

    def commit(self, snapshot: int) -> None:
        """Keep the changes made since ``snapshot`` (the journal keeps them)."""
        if snapshot < self._journal_base or snapshot > self.snapshot():
            raise ValueError("unknown snapshot")

    def revert(self, snapshot: int) -> None:
        """Undo every change made after ``snapshot``, newest first."""
        position = snapshot - self._journal_base
        if position < 0 or position > len(self._journal):
            raise ValueError("unknown snapshot")
        journal = self._journal
        accounts = self._accounts
        while len(journal) > position:
            record = journal.pop()
            tag = record[0]
            if tag == _STORAGE:
                storage = accounts[record[1]].storage
                if record[3]:
                    storage[record[2]] = record[3]
                else:
                    storage.pop(record[2], None)
            elif tag == _WARM_SLOT:
                self.accessed_storage_keys.discard(record[1])
            elif tag == _WARM_ADDRESS:
                self.accessed_addresses.discard(record[1])
            elif tag == _BALANCE:
                accounts[record[1]].balance = record[2]
            elif tag == _NONCE:
                accounts[record[1]].nonce = record[2]
            elif tag == _CODE:
                accounts[record[1]].code = record[2]
            elif tag == _NEW_ACCOUNT:
                del accounts[record[1]]
            elif tag == _DELETE_ACCOUNT:
                accounts[record[1]] = record[2]
            elif tag == _TRANSIENT:
                if record[2]:
                    self._transient[record[1]] = record[2]
                else:
                    self._transient.pop(record[1], None)
            elif tag == _TOUCH:
                self.touched.discard(record[1])
            elif tag == _CLEAR_STORAGE:
                accounts[record[1]].storage = record[2]

    def marker(self) -> int:
        """A position to list changes from later (see :meth:`changes`)."""
        return self.snapshot()

    def changes(self, since: int) -> StateChanges:
        """Accounts and slots whose value changed after ``since``.

        Read from the journal, so changes undone by a revert are not listed.
        An account is listed when its nonce, balance or code changed or it was
        created or deleted; a slot when its value was written.
        """
        position = since - self._journal_base
        if position < 0 or position > len(self._journal):
            raise ValueError("marker is older than the retained journal")
        accounts: set[bytes] = set()
        slots: set[tuple[bytes, int]] = set()
        for record in self._journal[position:]:
            tag = record[0]
            if tag == _STORAGE:
                slots.add((record[1], record[2]))
            elif tag in _ACCOUNT_CHANGES:
                accounts.add(record[1])
            elif tag == _CLEAR_STORAGE:
                slots.update((record[1], slot) for slot in record[2])
        return StateChanges(frozenset(accounts), frozenset(slots))

    def dirty_keys(self, since: int) -> StateChanges:
        """Alias of :meth:`changes`."""
        return self.changes(since)

    def forget_changes(self) -> int:
        """Drop the journal (no snapshot may be open); returns the new marker.

        Call after the changes have been applied to the state tree, so the
        journal does not grow without bound. Older markers become invalid.
        """
        self._journal_base += len(self._journal)
        self._journal = []
        return self._journal_base

    # ---------------------------------------------------------------------- misc

    def copy(self) -> WorldState:
        """An independent copy of the accounts (journal and per-transaction data reset)."""
        new = WorldState()
        new._accounts = {address: account.copy() for address, account in self._accounts.items()}
        return new

    def accounts(self) -> Iterable[tuple[bytes, Account]]:
        """(address, account) pairs; the accounts are live objects, read only."""
        return self._accounts.items()

    def to_dict(self) -> dict[bytes, Account]:
        """A deep copy of all accounts."""
        return {address: account.copy() for address, account in self._accounts.items()}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WorldState):
            return NotImplemented
        return self._accounts == other._accounts

    __hash__ = None  # type: ignore[assignment]


def _check_address(address: bytes) -> bytes:
    if not isinstance(address, (bytes, bytearray)) or len(address) != 20:
        raise ValueError("an address is 20 bytes")
    return bytes(address)
