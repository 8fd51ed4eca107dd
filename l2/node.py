"""The node: a data dir, its chain configuration and genesis, and the operations the CLI offers.

A data dir holds ``l2.json`` (which marks it as one and names the database) and, by default, the
SQLite database ``l2.sqlite``; with ``--db postgresql+psycopg://...`` the database lives on that
server instead and the data dir holds only ``l2.json``.

Genesis (batch 0) funds ``dev_accounts`` accounts whose keys are derived deterministically from
their index (:func:`l2.crypto.dev_private_key`) with ``DEV_BALANCE`` wei each, and gives the L2
bridge account (:data:`bridge.constants.L2_BRIDGE`) its reserve. These keys are public: a dev chain
is for local use only.

The L1: ``l2 init`` also creates a development L1 (:class:`verifier.l1.chain.L1Chain`) in the same
store, funds the dev accounts' addresses there, and deploys the rollup contract (holding the
genesis state root) and the bridge from an operator (dev account 0's address). The addresses are
part of the chain configuration. A node rebuilt with :meth:`Node.sync_from_l1` uses the L1 of
another store (``ChainConfig.l1_db``). Sealing credits the deposits queued on the L1 bridge and
admits the transactions forced through the rollup contract first; batches are submitted, and
withdrawals claimed, by the operator. Every L1 transaction the node sends is mined into a block of
its own, as a development L1 does.

Every write — admitting a transaction, sealing a batch, storing a proof — is one
:meth:`l2.store.Store.write` transaction; the methods here return only after it committed, so
whatever they return has been acknowledged durably.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import delete, func, select
from sqlalchemy.engine import make_url

import bridge.l1_bridge  # noqa: F401 - registers the "bridge" contract the L1 runs
from bridge.constants import L2_BRIDGE, L2_RESERVE, WITHDRAWAL_DATA_BYTES
from bridge.deposits import DepositError, apply_deposits
from bridge.withdrawals import Withdrawal, is_withdrawal, withdrawal_proof, withdrawals_of
from l2.batch_statement import BatchStatement, Deposit, root_bytes, root_digest
from l2.crypto import (
    InvalidPrivateKey,
    contract_address,
    dev_address,
    dev_private_key,
    from_hex,
    parse_address,
    private_key_to_address,
    to_hex,
)
from l2.executor import CallResult, TxOutcome, apply_transaction, call, estimate_gas
from l2.mempool import Admitted, Mempool
from l2.sequencer import (
    DEFAULT_GAS_LIMIT,
    DEFAULT_MAX_TRACE_ROWS,
    BatchLimits,
    SealedState,
    SealResult,
    Sequencer,
    deposits_from_json,
    state_tree,
)
from l2.state.keys import Kind, account_key, storage_key
from l2.state.tree import ZERO_DIGEST, UpdateWitness, digest_hex
from l2.state.world import Account, WorldState, code_hash
from l2.store.engine import sqlite_url
from l2.store.models import (
    TX_PENDING,
    TX_SKIPPED,
    AccountRow,
    BatchRow,
    Chain,
    CodeRow,
    KeyValueRow,
    ProofRow,
    StateChangeRow,
    TxRow,
)
from l2.store.store import Store, StoreError, account_state, kv_get, kv_put, load_world
from l2.tx import DynamicFeeTx, TxError, decode, encode, sign, tx_hash
from l2.vm import BlockEnv
from l2.vm.trace import TraceRecorder
from verifier.l1 import rollup as rollup_contract
from verifier.l1.chain import L1Chain, L1Error, Receipt, fund_dev_accounts
from verifier.l1.models import L1AccountRow, L1BlockRow, L1ChainRow, L1EventRow, L1ReceiptRow, L1StorageRow
from verifier.l1.rollup import DEFAULT_FORCE_DELAY, decode_submission, encode_submission

__all__ = [
    "NodeError",
    "L1Refused",
    "ChainConfig",
    "Node",
    "DATA_DIR_FILE",
    "DB_FILE",
    "DEFAULT_CHAIN_ID",
    "DEFAULT_DEV_ACCOUNTS",
    "DEV_BALANCE",
    "DEFAULT_BASE_FEE",
    "DEFAULT_COINBASE",
    "default_home",
    "parse_tx_hash",
    "parse_key_or_index",
    "read_key_file",
    "data_dir_url",
    "mask_url",
    "L1_DEV_BALANCE",
]

DATA_DIR_FILE = "l2.json"
DB_FILE = "l2.sqlite"
DATA_DIR_FORMAT = 1
DEFAULT_CHAIN_ID = 1337
DEFAULT_DEV_ACCOUNTS = 10
MAX_DEV_ACCOUNTS = 10_000
DEV_BALANCE = 10**24
DEFAULT_BASE_FEE = 10**9  # 1 gwei: the floor price of gas (paid to the fee recipient, not burnt)
DEFAULT_PRIORITY_FEE = 0
# The sequencer's fee recipient: an address nobody holds a key for, so fees stay visible in one place.
DEFAULT_COINBASE = "0x" + "00" * 18 + "fe" + "e5"
L1_DEV_GAS_LIMIT = 2_000_000_000
"""Block gas limit of the dev L1 that ``l2 init`` creates."""

L1_DEV_BALANCE = 1_000 * 10**18
"""Wei each dev account's address holds on the development L1 that ``l2 init`` creates."""
FORCED_NAMESPACE = "l1_forced"
"""``kv`` namespace: what the node did with each forced transaction (by its index in the L1 queue)."""
_HASH_RE = re.compile(r"^0x[0-9a-fA-F]{64}$")
_FIELD_KIND = {"nonce": Kind.NONCE, "balance": Kind.BALANCE, "code_hash": Kind.CODE_HASH}


class NodeError(Exception):
    """A user-facing failure (unknown account, batch or hash, a data dir that is not one); one line."""


class L1Refused(NodeError):
    """An L1 transaction the contract reverted: the message is its reason; ``receipt`` has its gas."""

    def __init__(self, reason: str, receipt: Receipt) -> None:
        super().__init__(reason)
        self.receipt = receipt


def default_home() -> Path:
    """``$L2_HOME`` or ``~/.l2``."""
    env = os.environ.get("L2_HOME")
    return Path(env).expanduser() if env else Path.home() / ".l2"


@dataclass(frozen=True)
class ChainConfig:
    """Chain parameters fixed at genesis (stored in the ``chain`` row).

    ``bridge_reserve``: wei the L2 bridge account holds at genesis (0 when a stored configuration
    has no such key, so such a data dir keeps the genesis root it was made with). ``l1_*``: where the node's L1 is —
    ``l1_db`` the database URL when it is not the node's own store, the rollup and bridge contract
    addresses and the operator that submits batches (all None for a chain without an L1).
    """

    chain_id: int = DEFAULT_CHAIN_ID
    dev_accounts: int = DEFAULT_DEV_ACCOUNTS
    dev_balance: int = DEV_BALANCE
    base_fee: int = DEFAULT_BASE_FEE
    coinbase: str = DEFAULT_COINBASE
    gas_limit: int = DEFAULT_GAS_LIMIT
    max_trace_rows: int = DEFAULT_MAX_TRACE_ROWS
    bridge_reserve: int = L2_RESERVE
    l1_db: str | None = None
    l1_rollup: str | None = None
    l1_bridge: str | None = None
    l1_operator: str | None = None

    _BIG = ("dev_balance", "base_fee", "bridge_reserve")  # beyond JSON's safe integers: stored as text

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for key in self._BIG:
            out[key] = str(out[key])
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ChainConfig:
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        for key in cls._BIG:
            if key in known:
                known[key] = int(known[key])
        known.setdefault("bridge_reserve", 0)  # a chain made before the bridge: no reserve at genesis
        return cls(**known)

    @property
    def coinbase_bytes(self) -> bytes:
        return parse_address(self.coinbase)


def mask_url(url: str) -> str:
    """``url`` with any password hidden, for messages and status output."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def _write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def parse_tx_hash(text: str) -> str:
    """A transaction hash in canonical form (0x + 64 lower-case hex); NodeError otherwise."""
    if not isinstance(text, str) or not _HASH_RE.match(text.strip()):
        raise NodeError(f"malformed transaction hash {text!r} (expected 0x + 64 hex digits)")
    return text.strip().lower()


class Node:
    """One chain: its data dir, store, mempool and sequencer."""

    def __init__(self, home: Path, store: Store, config: ChainConfig) -> None:
        self.home = home
        self.store = store
        self.config = config
        self.mempool = Mempool(config.chain_id, config.base_fee, config.gas_limit)
        self.sequencer = Sequencer(
            chain_id=config.chain_id,
            base_fee=config.base_fee,
            coinbase=config.coinbase_bytes,
            limits=BatchLimits(gas_limit=config.gas_limit, max_trace_rows=config.max_trace_rows),
        )
        self._sealed_state: SealedState | None = None
        self._l1: L1Chain | None = None
        self._l1_store: Store | None = None  # the L1's own store when it is not ``store``

    # ---------------------------------------------------------------------------- open / init

    @classmethod
    def init(
        cls,
        home: Path | str,
        *,
        dev_accounts: int = DEFAULT_DEV_ACCOUNTS,
        chain_id: int = DEFAULT_CHAIN_ID,
        db_url: str | None = None,
        base_fee: int = DEFAULT_BASE_FEE,
        gas_limit: int = DEFAULT_GAS_LIMIT,
        timestamp: int | None = None,
        l1: bool = True,
        force_delay: int = DEFAULT_FORCE_DELAY,
    ) -> Node:
        """Create a data dir with a genesis state (batch 0) and, with ``l1``, its development L1
        (contracts deployed, see the module docstring); return the open node."""
        if not 0 <= dev_accounts <= MAX_DEV_ACCOUNTS:
            raise NodeError(f"--dev-accounts must be between 0 and {MAX_DEV_ACCOUNTS}, got {dev_accounts}")
        if not 1 <= chain_id < 2**64:
            raise NodeError(f"--chain-id must be between 1 and 2^64 - 1, got {chain_id}")
        config = ChainConfig(chain_id=chain_id, dev_accounts=dev_accounts, base_fee=base_fee, gas_limit=gas_limit)
        return cls._create(home, config, db_url=db_url, timestamp=timestamp,
                           setup=(lambda store, cfg, when: _deploy_l1(store, cfg, when, force_delay)) if l1 else None)

    @classmethod
    def _create(cls, home: Path | str, config: ChainConfig, *, db_url: str | None, timestamp: int | None,
                setup: Callable[[Store, ChainConfig, int], ChainConfig] | None) -> Node:
        """Make the data dir and write genesis; ``setup`` runs first (it may write the L1 and returns
        the final configuration). On any failure nothing stays behind: a directory made here is
        removed, and rows written into a database that existed before are deleted again."""
        home = Path(home).expanduser()
        if (home / DATA_DIR_FILE).exists():
            raise NodeError(f"{home} is already an l2 data dir")
        if home.exists() and not home.is_dir():
            raise NodeError(f"{home} exists and is not a directory")
        if db_url is not None and not db_url.startswith(("sqlite", "postgresql")):
            raise NodeError(f"unsupported database URL {mask_url(db_url)!r} (use sqlite:/// or postgresql+psycopg://)")
        created = not home.exists()
        home.mkdir(parents=True, exist_ok=True)
        url = db_url or sqlite_url(home / DB_FILE)
        store = None
        wrote = False
        try:
            try:
                store = Store(url)
            except Exception as exc:
                raise NodeError(f"cannot open database {mask_url(url)}: {_first_line(exc)}") from None
            with store.read() as session:
                if session.get(Chain, 1) is not None:
                    raise NodeError(f"database {mask_url(url)} already holds a chain")
            when = int(time.time()) if timestamp is None else timestamp
            if setup is not None:
                if L1Chain.exists(store):
                    raise NodeError(f"database {mask_url(url)} already holds an L1 chain")
                wrote = True
                config = setup(store, config, when)
            with store.write(lock=False) as session:
                if session.get(Chain, 1) is not None:
                    raise NodeError(f"database {mask_url(url)} already holds a chain")
                wrote = True
                cls._genesis(session, config, when)
            _write_json_atomic(home / DATA_DIR_FILE, {"format": DATA_DIR_FORMAT, "db": db_url})
        except BaseException:
            if store is not None:
                if wrote and (db_url is not None or not created):
                    _erase_init(store)
                store.close()
            if created:  # a failed init leaves nothing behind
                shutil.rmtree(home, ignore_errors=True)
            raise
        return cls(home, store, config)

    @staticmethod
    def genesis_world(config: ChainConfig) -> WorldState:
        """The genesis state: the dev accounts, each funded with ``config.dev_balance``, and the L2
        bridge account holding ``config.bridge_reserve`` (absent when that is 0)."""
        accounts = {dev_address(i): Account(balance=config.dev_balance) for i in range(config.dev_accounts)}
        if config.bridge_reserve:
            accounts[L2_BRIDGE] = Account(balance=config.bridge_reserve)
        return WorldState(accounts)

    @classmethod
    def _genesis(cls, session: Any, config: ChainConfig, timestamp: int) -> None:
        world = cls.genesis_world(config)
        root = state_tree(world).root_hex
        session.add(
            Chain(id=1, chain_id=config.chain_id, config=config.to_json(), genesis_root=root, head=0,
                  created_at=time.time())
        )
        empty = to_hex(code_hash(b""))
        for address, account in world.accounts():
            session.add(AccountRow(address=to_hex(address), nonce=0, balance=account.balance, code_hash=empty))
        session.add(
            BatchRow(
                number=0, parent=None, prev_state_root=digest_hex(ZERO_DIGEST), state_root=root, tx_hashes=[],
                tx_count=0, gas_used=0, steps=0, trace_stats={}, timestamp=timestamp, base_fee=config.base_fee,
                coinbase=config.coinbase, gas_limit=config.gas_limit, sealed_at=time.time(),
            )
        )

    @classmethod
    def open(cls, home: Path | str) -> Node:
        """Open an existing data dir; NodeError if it is not one."""
        home = Path(home).expanduser()
        url = data_dir_url(home)
        try:
            store = Store(url)
        except Exception as exc:
            raise NodeError(f"cannot open database {mask_url(url)}: {_first_line(exc)}") from None
        try:
            with store.read() as session:
                chain = session.get(Chain, 1)
                if chain is None:
                    raise NodeError(f"database {mask_url(url)} holds no chain")
                config = ChainConfig.from_json(chain.config)
        except BaseException:
            store.close()
            raise
        return cls(home, store, config)

    def close(self) -> None:
        if self._l1_store is not None:
            self._l1_store.close()
            self._l1_store = None
        self._l1 = None
        self.store.close()

    def __enter__(self) -> Node:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------------------- accounts

    def dev_key(self, index: int) -> bytes:
        if not 0 <= index < self.config.dev_accounts:
            count = self.config.dev_accounts
            known = f"0..{count - 1}" if count else "none"
            raise NodeError(f"unknown dev account {index} (this chain has {count}: {known})")
        return dev_private_key(index)

    def dev_accounts(self) -> list[dict[str, Any]]:
        """Index, address, balance and nonce of every dev account."""
        addresses = [to_hex(dev_address(i)) for i in range(self.config.dev_accounts)]
        with self.store.read() as session:
            rows = {}
            for i in range(0, len(addresses), 500):
                chunk = addresses[i : i + 500]
                rows.update({r.address: r for r in session.execute(select(AccountRow).where(AccountRow.address.in_(chunk))).scalars()})
        out = []
        for index, address in enumerate(addresses):
            row = rows.get(address)
            out.append({"index": index, "address": address, "balance": row.balance if row else 0,
                        "nonce": row.nonce if row else 0})
        return out

    def account(self, address: bytes) -> dict[str, Any]:
        """Nonce, balance and code size of an account in the latest state (zeros when absent)."""
        with self.store.read() as session:
            nonce, balance, has_code = account_state(session, address)
            size = 0
            if has_code:
                row = session.get(AccountRow, to_hex(address))
                size = len(session.get(CodeRow, row.code_hash).code)
        return {"address": to_hex(address), "balance": balance, "nonce": nonce, "code_size": size}

    def balance(self, address: bytes) -> int:
        return self.account(address)["balance"]

    def nonce(self, address: bytes) -> int:
        return self.account(address)["nonce"]

    def world(self) -> WorldState:
        """The latest state, loaded from the store."""
        with self.store.read() as session:
            return load_world(session)

    # ---------------------------------------------------------------------------- transactions

    def submit_raw(self, raw: bytes) -> Admitted:
        """Admit a raw signed transaction (acknowledged once this returns)."""
        prepared = self.mempool.prepare(raw)  # signature recovery outside the lock
        with self.store.write() as session:
            admitted = self.mempool.admit(session, raw, prepared)
        return admitted

    def send(
        self,
        key: bytes,
        *,
        to: bytes | None,
        value: int = 0,
        data: bytes = b"",
        gas: int | None = None,
        nonce: int | None = None,
        max_priority_fee_per_gas: int = DEFAULT_PRIORITY_FEE,
        max_fee_per_gas: int | None = None,
    ) -> Admitted:
        """Sign a transaction with ``key`` and admit it.

        Without ``nonce`` it takes the sender's next nonce counting its pending transactions;
        without ``gas`` a plain transfer gets 21,000 (its intrinsic gas) and anything else an
        estimate on the latest state plus 20%. The default fee cap is twice the base fee.
        """
        try:
            sender = private_key_to_address(key)
        except InvalidPrivateKey as exc:
            raise NodeError(str(exc)) from None
        if value < 0:
            raise NodeError("value must not be negative")
        fee_cap = 2 * self.config.base_fee + max_priority_fee_per_gas if max_fee_per_gas is None else max_fee_per_gas
        with self.store.write() as session:
            if nonce is None:
                nonce = self.mempool.next_nonce(session, sender)
            if gas is None:
                gas = self._estimate(session, sender, to, data, value)
            tx = sign(
                DynamicFeeTx(
                    chain_id=self.config.chain_id, nonce=nonce, max_priority_fee_per_gas=max_priority_fee_per_gas,
                    max_fee_per_gas=fee_cap, gas=gas, to=to, value=value, data=data,
                ),
                key,
            )
            raw = encode(tx)
            admitted = self.mempool.admit(session, raw, self.mempool.prepare(raw))
        return admitted

    def deploy(self, key: bytes, code: bytes, *, value: int = 0, gas: int | None = None, nonce: int | None = None) -> tuple[Admitted, bytes]:
        """Admit a contract creation; returns the admission and the address the contract will get."""
        admitted = self.send(key, to=None, value=value, data=code, gas=gas, nonce=nonce)
        return admitted, contract_address(admitted.sender, admitted.nonce)

    def _estimate(self, session: Any, sender: bytes, to: bytes | None, data: bytes, value: int) -> int:
        env = self.block_env()
        world = load_world(session)
        return estimate_gas(world, sender=sender, to=to, data=data, value=value, block_env=env)

    def transaction(self, tx_hash: str) -> dict[str, Any]:
        """A transaction's status, fields and (once in a batch) receipt."""
        digest = parse_tx_hash(tx_hash)
        with self.store.read() as session:
            row = session.execute(select(TxRow).where(TxRow.hash == digest)).scalar()
            if row is None:
                raise NodeError(f"unknown transaction {digest}")
            return _tx_json(row)

    def pending(self) -> list[dict[str, Any]]:
        with self.store.read() as session:
            rows = session.execute(select(TxRow).where(TxRow.status == TX_PENDING).order_by(TxRow.id)).scalars()
            return [_tx_json(r) for r in rows]

    # ---------------------------------------------------------------------------- batches

    def block_env(self, number: int | None = None, timestamp: int | None = None) -> BlockEnv:
        """The block values the next batch (or batch ``number``) executes with."""
        if number is None:
            with self.store.read() as session:
                number = session.get(Chain, 1).head + 1
        return self.sequencer.block_env(number, int(time.time()) if timestamp is None else timestamp)

    def seal(self, *, timestamp: int | None = None) -> SealResult:
        """Seal the pending transactions into the next batch (one SQL transaction).

        With an L1, the transactions forced through the rollup contract are admitted to the
        mempool first (:meth:`admit_forced`) and go into the batch before all others, and the
        deposits queued on the L1 bridge that the state has not credited are credited before them.

        The state after a committed seal is kept for this process's next seal (valid while no
        other process sealed in between, which the sequencer checks).
        """
        deposits: list[Deposit] = []
        priority: list[str] = []
        if self.has_l1:
            priority = self.admit_forced()
            deposits = self.pending_deposits()
        cached, self._sealed_state = self._sealed_state, None
        with self.store.write() as session:
            try:
                result = self.sequencer.seal(session, timestamp=timestamp, state=cached, deposits=deposits,
                                             priority=priority)
            except DepositError as exc:
                raise NodeError(f"cannot credit the L1 deposits: {exc}") from None
        self._sealed_state = result.state  # only reached once the commit succeeded
        return result

    def head(self) -> int:
        with self.store.read() as session:
            return session.get(Chain, 1).head

    def batches(self) -> list[dict[str, Any]]:
        with self.store.read() as session:
            rows = session.execute(select(BatchRow).order_by(BatchRow.number)).scalars()
            proofs = dict(session.execute(select(ProofRow.batch_number, func.count()).group_by(ProofRow.batch_number)).all())
            return [_batch_json(r, proofs.get(r.number, 0), full=False) for r in rows]

    def batch(self, number: int) -> dict[str, Any]:
        with self.store.read() as session:
            row = session.get(BatchRow, number)
            if row is None:
                head = session.get(Chain, 1).head
                raise NodeError(f"unknown batch {number} (batches are 0..{head})")
            proofs = session.execute(select(func.count()).where(ProofRow.batch_number == number)).scalar()
            out = _batch_json(row, proofs, full=True)
            txs = session.execute(select(TxRow).where(TxRow.batch_number == number).order_by(TxRow.batch_index)).scalars()
            out["transactions"] = [
                {"hash": t.hash, "status": t.status, "from": t.sender, "to": t.to, "nonce": t.nonce,
                 "gas_used": int(t.receipt["gasUsed"], 16) if t.receipt else None}
                for t in txs
            ]
            return out

    # ---------------------------------------------------------------------------- read-only calls

    def call(self, *, to: bytes | None, data: bytes = b"", sender: bytes | None = None, value: int = 0,
             gas: int | None = None) -> CallResult:
        """Execute against the latest state without keeping anything (``eth_call``)."""
        world = self.world()
        return call(world, to=to, data=data, sender=bytes(20) if sender is None else sender, value=value,
                    gas=gas, block_env=self.block_env())

    def status(self) -> dict[str, Any]:
        with self.store.read() as session:
            chain = session.get(Chain, 1)
            head = session.get(BatchRow, chain.head)
            counts = dict(session.execute(select(TxRow.status, func.count()).group_by(TxRow.status)).all())
            accounts = session.execute(select(func.count()).select_from(AccountRow)).scalar()
            proofs = session.execute(select(func.count()).select_from(ProofRow)).scalar()
        return {
            "home": str(self.home),
            "db": mask_url(self.store.url),
            "chain_id": chain.chain_id,
            "head_batch": chain.head,
            "state_root": head.state_root,
            "genesis_root": chain.genesis_root,
            "accounts": accounts,
            "dev_accounts": self.config.dev_accounts,
            "transactions": {status: counts.get(status, 0) for status in ("pending", "included", "failed", "skipped")},
            "proofs": proofs,
            "base_fee": self.config.base_fee,
            "gas_limit": self.config.gas_limit,
            "coinbase": self.config.coinbase,
        }

    # ---------------------------------------------------------------------------- proofs

    def save_proof(self, batch: int, proof: bytes, params: dict[str, Any], timings: dict[str, Any]) -> int:
        """Store a proof of ``batch`` (one SQL transaction); returns its id."""
        with self.store.write() as session:
            if session.get(BatchRow, batch) is None:
                raise NodeError(f"unknown batch {batch}")
            row = ProofRow(batch_number=batch, proof=bytes(proof), params=params, timings=timings, created_at=time.time())
            session.add(row)
            session.flush()
            proof_id = row.id
        return proof_id

    def proofs(self, batch: int) -> list[dict[str, Any]]:
        """Stored proofs of ``batch``, newest first."""
        with self.store.read() as session:
            rows = session.execute(
                select(ProofRow).where(ProofRow.batch_number == batch).order_by(ProofRow.id.desc())
            ).scalars()
            return [{"id": r.id, "batch": r.batch_number, "proof": r.proof, "params": r.params,
                     "timings": r.timings, "created_at": r.created_at} for r in rows]

    # ---------------------------------------------------------------------------- re-execution

    def state_before(self, batch: int) -> WorldState:
        """The state batch ``batch`` started from: the latest state with later changes undone."""
        with self.store.read() as session:
            head = session.get(Chain, 1).head
            if not 1 <= batch <= head:
                known = f"sealed batches are 1..{head}" if head else "no batch is sealed yet"
                raise NodeError(f"unknown batch {batch} ({known})")
            world = load_world(session)
            accounts = world.to_dict()
            hashes = {a: int.from_bytes(code_hash(acct.code), "big") for a, acct in accounts.items()}
            changes = session.execute(
                select(StateChangeRow).where(StateChangeRow.batch_number >= batch).order_by(StateChangeRow.id.desc())
            ).scalars()
            codes: dict[int, bytes] = {}
            for change in changes:
                address = bytes.fromhex(change.address[2:])
                account = accounts.setdefault(address, Account())
                hashes.setdefault(address, 0)
                if change.kind == "nonce":
                    account.nonce = change.old
                elif change.kind == "balance":
                    account.balance = change.old
                elif change.kind == "code_hash":
                    hashes[address] = change.old
                    if change.old not in codes:
                        row = session.get(CodeRow, to_hex(change.old.to_bytes(32, "big")))
                        codes[change.old] = b"" if row is None else row.code
                    account.code = codes[change.old]
                elif change.kind == "storage":
                    if change.old:
                        account.storage[change.slot] = change.old
                    else:
                        account.storage.pop(change.slot, None)
                else:
                    raise StoreError(f"unknown state change kind {change.kind!r}")
        # an account whose code-hash leaf was absent did not exist
        return WorldState({a: acct for a, acct in accounts.items() if hashes[a] != 0})

    def replay_batch(
        self, number: int, *, tracer_factory: Callable[[], Any] | None = TraceRecorder, world: WorldState | None = None
    ) -> tuple[list[TxOutcome], WorldState]:
        """Re-execute batch ``number`` (its L1 deposits, then its transactions) from the state before
        it (or ``world``) and check its roots.

        Returns the outcomes (with traces when ``tracer_factory`` is given) and the state after.
        Raises StoreError when the re-execution does not reproduce the stored roots.
        """
        with self.store.read() as session:
            row = session.get(BatchRow, number)
            if row is None or number == 0:
                raise NodeError(f"unknown batch {number}")
            txs = list(session.execute(select(TxRow).where(TxRow.batch_number == number).order_by(TxRow.batch_index)).scalars())
        if world is None:
            world = self.state_before(number)
        before = state_tree(world).root_hex
        if before != row.prev_state_root:
            raise StoreError(f"state before batch {number} has root {before}, batch says {row.prev_state_root}")
        env = BlockEnv(number=number, timestamp=row.timestamp, base_fee=row.base_fee, chain_id=self.config.chain_id,
                       coinbase=parse_address(row.coinbase), gas_limit=row.gas_limit)
        try:
            apply_deposits(world, deposits_from_json(row.deposits))  # credited before the transactions
        except DepositError as exc:
            raise StoreError(f"batch {number}: {exc}") from None
        outcomes = []
        gas_used = 0
        for tx_row in txs:
            tracer = tracer_factory() if tracer_factory is not None else None
            outcome = apply_transaction(world, decode(tx_row.raw), bytes.fromhex(tx_row.sender[2:]), env, tracer=tracer,
                                        gas_available=row.gas_limit - gas_used, cumulative_gas_used=gas_used)
            gas_used += outcome.gas_used
            outcomes.append(outcome)
        world.forget_changes()
        after = state_tree(world).root_hex
        if after != row.state_root:
            raise StoreError(f"re-executing batch {number} gives root {after}, batch says {row.state_root}")
        return outcomes, world

    def state_witnesses(self, number: int) -> list[UpdateWitness]:
        """The state-tree updates of batch ``number``, chained from its previous root to its new root.

        One :class:`~l2.state.tree.UpdateWitness` per state field the batch changed (nonce, balance,
        code hash, storage slot), in the order they were recorded; the first starts at the batch's
        ``prev_state_root`` and the last ends at its ``state_root``.
        """
        world = self.state_before(number)
        tree = state_tree(world)
        with self.store.read() as session:
            row = session.get(BatchRow, number)
            changes = list(session.execute(
                select(StateChangeRow).where(StateChangeRow.batch_number == number).order_by(StateChangeRow.id)
            ).scalars())
        witnesses = []
        for change in changes:
            if change.kind == "storage":
                key = storage_key(change.address, change.slot)
            else:
                key = account_key(change.address, _FIELD_KIND[change.kind])
            witness = tree.update(key, change.new)
            if witness.old_value != change.old:
                raise StoreError(f"batch {number}: {change.kind} of {change.address} was {witness.old_value}, "
                                 f"recorded as {change.old}")
            witnesses.append(witness)
        if tree.root_hex != row.state_root:
            raise StoreError(f"batch {number}: state changes end at {tree.root_hex}, batch says {row.state_root}")
        return witnesses

    def verify_chain(self) -> int:
        """Re-execute every batch from genesis and check every root and the stored state.

        Returns the number of batches checked; raises StoreError on any mismatch.
        """
        head = self.head()
        world = self.genesis_world(self.config)
        with self.store.read() as session:
            genesis = session.get(Chain, 1).genesis_root
        if state_tree(world).root_hex != genesis:
            raise StoreError("genesis state does not match the genesis root")
        for number in range(1, head + 1):
            _, world = self.replay_batch(number, tracer_factory=None, world=world)
        if world != self.world():
            raise StoreError("re-executed state differs from the stored state")
        return head

    # ---------------------------------------------------------------------------- batch statements

    def batch_deposits(self, number: int) -> list[Deposit]:
        """The L1 deposits batch ``number`` credited before its transactions, in id order."""
        with self.store.read() as session:
            row = session.get(BatchRow, number)
            if row is None:
                raise NodeError(f"unknown batch {number} (batches are 0..{session.get(Chain, 1).head})")
            return deposits_from_json(row.deposits)

    def statement(self, number: int) -> BatchStatement:
        """The batch statement of sealed batch ``number``: what its proof is about and what L1 is sent."""
        from l2.batch_proof import batch_statement

        return dataclasses.replace(batch_statement(self, number), deposits=tuple(self.batch_deposits(number)))

    # ---------------------------------------------------------------------------- the L1

    @property
    def has_l1(self) -> bool:
        """Whether this chain has an L1 (one created with ``Node.init(l1=False)``, or stored without
        L1 addresses, has none)."""
        return self.config.l1_rollup is not None

    def l1(self) -> L1Chain:
        """The L1 the rollup contract of this chain lives on."""
        if not self.has_l1:
            raise NodeError("this chain has no L1 (it was created without one); `l2 init` creates a chain with one")
        if self._l1 is None:
            store = self.store
            if self.config.l1_db is not None:
                try:
                    store = Store(self.config.l1_db, migrate=False)
                except Exception as exc:
                    raise NodeError(f"cannot open the L1 database {mask_url(self.config.l1_db)}: "
                                    f"{_first_line(exc)}") from None
                self._l1_store = store
            try:
                self._l1 = L1Chain.open(store)
            except L1Error as exc:
                raise NodeError(f"L1 database {mask_url(store.url)}: {exc}") from None
        return self._l1

    @property
    def rollup_address(self) -> bytes:
        self.l1()
        return parse_address(self.config.l1_rollup)

    @property
    def bridge_address(self) -> bytes:
        self.l1()
        return parse_address(self.config.l1_bridge)

    @property
    def operator(self) -> bytes:
        """The L1 account that submits batches and claims (dev account 0's address on L1)."""
        self.l1()
        return parse_address(self.config.l1_operator)

    def rollup_call(self, method: str, *args: Any) -> Any:
        """A view of the rollup contract."""
        return self.l1().call(self.rollup_address, method, *args)

    def bridge_call(self, method: str, *args: Any) -> Any:
        """A view of the L1 bridge contract."""
        return self.l1().call(self.bridge_address, method, *args)

    def l1_transact(self, sender: bytes, to: bytes, method: str | None, *args: Any, value: int = 0,
                    calldata: bytes | None = None) -> Receipt:
        """Send an L1 transaction and mine it into a block of its own; a revert raises
        :class:`L1Refused` (the transaction is on L1 with status 0, its gas charged)."""
        l1 = self.l1()
        try:
            receipt = l1.transact(sender, to, method, *args, value=value, calldata=calldata)
        except L1Error as exc:  # not includable: nothing happened on L1
            raise NodeError(f"L1 refused the transaction: {exc}") from None
        l1.mine()
        if not receipt.success:
            raise L1Refused(receipt.revert_reason or "reverted", receipt)
        return receipt

    # -- deposits

    def l1_deposits(self) -> list[tuple[Deposit, bytes]]:
        """Every deposit queued on the L1 bridge with its L1 sender, in id order."""
        events = self.l1().events(self.bridge_address, "DepositQueued")
        out = [(Deposit(e.fields["id"], e.fields["recipient"], e.fields["amount"]), e.fields["sender"]) for e in events]
        return sorted(out, key=lambda item: item[0].id)

    def pending_deposits(self) -> list[Deposit]:
        """Deposits queued on L1 that the latest L2 state has not credited (id >= the bridge account's nonce)."""
        with self.store.read() as session:
            next_id, _, _ = account_state(session, L2_BRIDGE)
        return [d for d, _ in self.l1_deposits() if d.id >= next_id]

    def deposit(self, l1_sender: bytes, recipient: bytes, value: int) -> Receipt:
        """Lock ``value`` wei of ``l1_sender`` in the L1 bridge for ``recipient`` on L2; the deposit id is
        the receipt's ``return_value``."""
        return self.l1_transact(l1_sender, self.bridge_address, "deposit", bytes(recipient), value=value)

    # -- forced transactions

    def force_include(self, l1_sender: bytes, raw: bytes) -> Receipt:
        """Queue a signed L2 transaction in the rollup contract; its index in the forced queue is the
        receipt's ``return_value``."""
        return self.l1_transact(l1_sender, self.rollup_address, "force_include", bytes(raw))

    def admit_forced(self) -> list[str]:
        """Admit the forced transactions queued on L1 that this node has not seen yet (one SQL transaction).

        Each outcome is recorded (``kv`` namespace ``l1_forced``): admitted with its hash, or refused
        with the mempool's reason (a copy already in the mempool or a batch counts as admitted).
        Returns the hashes of the forced transactions still pending, for the seal to take first.
        """
        events = self.l1().events(self.rollup_address, "ForcedInclusion")
        with self.store.write() as session:
            for event in events:
                key = str(event.fields["index"])
                if kv_get(session, FORCED_NAMESPACE, key) is not None:
                    continue
                raw = bytes(event.fields["raw_tx"])
                try:
                    admitted = self.mempool.admit(session, raw)
                    record = {"status": "admitted", "hash": admitted.hash, "reason": None}
                except TxError as exc:
                    record = {"status": "refused", "hash": None, "reason": _first_line(exc)}
                    digest = to_hex(tx_hash(decode(raw)))  # the rollup only queues decodable transactions
                    status = session.execute(select(TxRow.status).where(TxRow.hash == digest)).scalar()
                    if status is not None and status != TX_SKIPPED:
                        record = {"status": "admitted", "hash": digest, "reason": None}
                kv_put(session, FORCED_NAMESPACE, key, json.dumps(record).encode())
            hashes = [r["hash"] for r in self._forced_records(session).values() if r["status"] == "admitted"]
            pending = session.execute(select(TxRow.hash).where(TxRow.hash.in_(hashes), TxRow.status == TX_PENDING))
            return list(pending.scalars())

    @staticmethod
    def _forced_records(session: Any) -> dict[int, dict[str, Any]]:
        rows = session.execute(select(KeyValueRow).where(KeyValueRow.namespace == FORCED_NAMESPACE)).scalars()
        return {int(row.key): json.loads(row.value) for row in rows}

    def forced_transactions(self) -> list[dict[str, Any]]:
        """The L1's forced queue as this node sees it: ``index``, ``hash``, ``status`` (``queued`` until a
        seal admits it, ``refused`` with ``reason``, else the L2 transaction's status)."""
        events = self.l1().events(self.rollup_address, "ForcedInclusion")
        with self.store.read() as session:
            records = self._forced_records(session)
            out = []
            for event in events:
                index = event.fields["index"]
                record = records.get(index) or {"status": "queued", "hash": None, "reason": None}
                status = record["status"]
                if status == "admitted":
                    status = session.execute(select(TxRow.status).where(TxRow.hash == record["hash"])).scalar()
                out.append({"index": index, "hash": record["hash"], "status": status, "reason": record["reason"]})
        return out

    # -- batches on L1

    def submit_batch(self, number: int, proof: bytes | None = None) -> Receipt:
        """Send batch ``number`` with ``proof`` (default: its newest stored batch proof) to the rollup
        contract from the operator. The transaction's calldata is the submission itself
        (:func:`~verifier.l1.rollup.encode_submission`), so that is what L1 charges for and keeps."""
        statement = self.statement(number)
        if proof is None:
            stored = [p for p in self.proofs(number) if (p["params"] or {}).get("kind") == "batch"]
            if not stored:
                raise NodeError(f"batch {number} has no stored proof (run `l2 batch prove {number}`)")
            proof = stored[0]["proof"]
        submission = encode_submission(statement.to_bytes(), proof)
        return self.l1_transact(self.operator, self.rollup_address, "submit_batch", submission, calldata=submission)

    def l1_status(self) -> dict[str, Any]:
        """The rollup contract's view next to this node's head."""
        l1 = self.l1()
        rollup = self.rollup_address
        deposits = self.bridge_call("deposit_count")
        consumed = self.rollup_call("next_deposit")
        forced_count, forced_head = self.rollup_call("forced_status")
        with l1.store.read() as session:
            gas, count = session.execute(
                select(func.coalesce(func.sum(L1ReceiptRow.gas_used), 0), func.count())
                .where(L1ReceiptRow.to == to_hex(rollup), L1ReceiptRow.method == "submit_batch")).one()
        return {
            "last_batch": self.rollup_call("last_batch"),
            "state_root": to_hex(self.rollup_call("state_root")),
            "pending_deposits": deposits - consumed,
            "gas_spent": int(gas),
            "submissions": int(count),
            "l1_block": l1.block_number,
            "l2_head": self.head(),
            "forced_queued": forced_count - forced_head,
            "rollup": self.config.l1_rollup,
            "bridge": self.config.l1_bridge,
            "operator": self.config.l1_operator,
        }

    # -- withdrawals

    def withdraw(self, key: bytes, l1_recipient: bytes, value: int) -> Admitted:
        """Admit a withdrawal: an L2 transfer of ``value`` to the bridge account carrying the L1 recipient."""
        if len(l1_recipient) != WITHDRAWAL_DATA_BYTES:
            raise NodeError("the L1 recipient is a 20-byte address")
        return self.send(key, to=L2_BRIDGE, value=value, data=bytes(l1_recipient))

    def _batch_withdrawals(self, session: Any, number: int) -> dict[str, Withdrawal]:
        """The withdrawals of batch ``number`` by L2 transaction hash (numbered as L1 numbers them)."""
        rows = session.execute(select(TxRow.hash, TxRow.raw).where(
            TxRow.batch_number == number, TxRow.to == to_hex(L2_BRIDGE)).order_by(TxRow.batch_index)).all()
        txs = [(row.hash, decode(row.raw)) for row in rows]
        found = withdrawals_of(number, ((tx.to, tx.value, tx.data) for _, tx in txs))
        hashes = [digest for digest, tx in txs if is_withdrawal(tx.to, tx.data)]
        return dict(zip(hashes, found))

    def withdrawal(self, tx_hash_hex: str) -> tuple[Withdrawal, list[bytes]]:
        """The withdrawal an L2 transaction made, and its Merkle proof in its batch's withdrawals tree."""
        digest = parse_tx_hash(tx_hash_hex)
        with self.store.read() as session:
            row = session.execute(select(TxRow).where(TxRow.hash == digest)).scalar()
            if row is None:
                raise NodeError(f"unknown transaction {digest}")
            tx = decode(row.raw)
            if not is_withdrawal(tx.to, tx.data):
                raise NodeError(f"transaction {digest} is not a withdrawal (a transfer to {to_hex(L2_BRIDGE)} "
                                f"with the 20-byte L1 recipient as data)")
            if row.batch_number is None:
                raise NodeError(f"withdrawal {digest} is not in a batch ({row.status})")
            in_batch = self._batch_withdrawals(session, row.batch_number)
        leaves = [w.leaf for w in in_batch.values()]
        found = in_batch[digest]
        return found, withdrawal_proof(leaves, found.index)

    def claim(self, tx_hash_hex: str) -> tuple[Withdrawal, Receipt]:
        """Claim a withdrawal on L1 from the operator (the bridge pays the recipient the L2 transaction named)."""
        found, proof = self.withdrawal(tx_hash_hex)
        receipt = self.l1_transact(self.operator, self.bridge_address, "claim", found.batch, found.index,
                                   found.recipient, found.amount, b"".join(proof))
        return found, receipt

    def bridge_status(self) -> dict[str, list[dict[str, Any]]]:
        """Every deposit (queued → credited → accepted) and withdrawal (pending → included → accepted →
        claimed; or skipped/failed as the L2 transaction was) with its amount and status."""
        consumed = self.rollup_call("next_deposit")
        last = self.rollup_call("last_batch")
        with self.store.read() as session:
            credited_in = {}
            for number, data in session.execute(select(BatchRow.number, BatchRow.deposits)):
                for d in deposits_from_json(data):
                    credited_in[d.id] = number
            query = select(TxRow).where(TxRow.to == to_hex(L2_BRIDGE)).order_by(TxRow.id)
            rows = list(session.execute(query).scalars())
            batches = {row.batch_number for row in rows if row.batch_number is not None}
            numbered = {}
            for number in batches:
                numbered.update(self._batch_withdrawals(session, number))
        deposits = []
        for d, sender in self.l1_deposits():
            batch = credited_in.get(d.id)
            status = "accepted" if d.id < consumed else "credited" if batch is not None else "queued"
            deposits.append({"id": d.id, "amount": d.amount, "status": status, "recipient": to_hex(d.recipient),
                             "l1_sender": to_hex(sender), "batch": batch})
        withdrawals = []
        for row in rows:
            tx = decode(row.raw)
            if not is_withdrawal(tx.to, tx.data):
                continue
            found = numbered.get(row.hash)
            status = row.status
            if found is not None:
                status = "included"
                if found.batch <= last:
                    claimed = self.bridge_call("is_claimed", found.batch, found.index)
                    status = "claimed" if claimed else "accepted"
            withdrawals.append({"id": row.hash, "amount": tx.value, "status": status, "recipient": to_hex(tx.data),
                                "batch": row.batch_number, "index": None if found is None else found.index})
        return {"deposits": deposits, "withdrawals": withdrawals}

    # ---------------------------------------------------------------------------- rebuild from L1

    @classmethod
    def sync_from_l1(cls, home: Path | str, l1_url: str, *, rollup: bytes | None = None,
                     dev_accounts: int = DEFAULT_DEV_ACCOUNTS, dev_balance: int = DEV_BALANCE,
                     bridge_reserve: int = L2_RESERVE, progress: Callable[[int, int], None] | None = None) -> Node:
        """Create a node in ``home`` whose batches are those the rollup contract on the L1 in ``l1_url``
        accepted, rebuilt from L1 data alone.

        What comes from where: the L2 chain id, the bridge and the operator from the rollup's storage;
        each batch from the calldata of the ``submit_batch`` transaction that its ``BatchAccepted``
        event names; the genesis root from batch 1's previous root (the rollup's state root while no
        batch is accepted); base fee, fee recipient and gas limit for new batches from the last
        accepted batch. The genesis *state* is not on L1, only its root: it is rebuilt from
        ``dev_accounts``, ``dev_balance`` and ``bridge_reserve`` and must give that root. Each batch is
        executed (deposits, then transactions) and must reach the root L1 accepted for it. The node
        keeps using that L1 (``ChainConfig.l1_db``). On any failure ``home`` is left as it was.
        """
        try:
            source = Store(l1_url, migrate=False)
        except Exception as exc:
            raise NodeError(f"cannot open the L1 database {mask_url(l1_url)}: {_first_line(exc)}") from None
        try:
            try:
                l1 = L1Chain.open(source)
            except L1Error as exc:
                raise NodeError(f"{mask_url(l1_url)}: {exc}") from None
            rollup = _find_rollup(source, rollup)
            chain_id = l1.storage_at(rollup, rollup_contract.L2_CHAIN_ID)
            bridge = l1.storage_at(rollup, rollup_contract.BRIDGE).to_bytes(20, "big")
            owner = l1.storage_at(rollup, rollup_contract.OWNER).to_bytes(20, "big")
            statements = _accepted_statements(l1, rollup)
            genesis_root = statements[0].prev_root if statements else root_digest(l1.call(rollup, "state_root"))
            genesis_time = l1.block(0).timestamp
        finally:
            source.close()
        last = statements[-1] if statements else None
        config = ChainConfig(
            chain_id=chain_id, dev_accounts=dev_accounts, dev_balance=dev_balance, bridge_reserve=bridge_reserve,
            base_fee=last.base_fee if last else DEFAULT_BASE_FEE,
            coinbase=to_hex(last.fee_recipient) if last else DEFAULT_COINBASE,
            gas_limit=last.gas_limit if last else DEFAULT_GAS_LIMIT,
            l1_db=l1_url, l1_rollup=to_hex(rollup), l1_bridge=to_hex(bridge), l1_operator=to_hex(owner))
        root = state_tree(cls.genesis_world(config)).root
        if root_bytes(root) != root_bytes(genesis_root):
            raise NodeError(
                f"the genesis parameters ({dev_accounts} dev accounts of {dev_balance} wei, bridge reserve "
                f"{bridge_reserve} wei) give root {digest_hex(root)}, the rollup's genesis root is "
                f"{digest_hex(genesis_root)}")
        home = Path(home).expanduser()
        created = not home.exists()
        if not created and (not home.is_dir() or any(home.iterdir())):
            raise NodeError(f"{home} is not empty: sync-from-l1 builds a new data dir")
        node = cls._create(home, config, db_url=None, timestamp=genesis_time, setup=None)
        try:
            for done, statement in enumerate(statements, 1):
                with node.store.write() as session:
                    node.sequencer.import_batch(session, statement)
                if progress is not None:
                    progress(done, len(statements))
        except BaseException:
            node.close()
            if created:
                shutil.rmtree(home, ignore_errors=True)
            else:
                for name in (DATA_DIR_FILE, DB_FILE, DB_FILE + "-wal", DB_FILE + "-shm"):
                    (home / name).unlink(missing_ok=True)
            raise
        return node


def _deploy_l1(store: Store, config: ChainConfig, timestamp: int, force_delay: int) -> ChainConfig:
    """Create the development L1 in ``store``: fund the dev accounts' addresses, deploy the rollup
    (holding ``config``'s genesis root) and the bridge from the operator, link them; returns
    ``config`` with their addresses."""
    # The dev L1's block gas limit is far above Ethereum's (~36 M): one unwrapped STARK verification
    # costs ~16 M gas plus ~10 M per execution table (see benchmarks/RESULTS.md); a production rollup
    # wraps the proof in a SNARK and pays ~0.3 M instead.
    l1 = L1Chain.create(store, genesis_timestamp=timestamp, gas_limit=L1_DEV_GAS_LIMIT)
    fund_dev_accounts(l1, [dev_address(i) for i in range(max(config.dev_accounts, 1))], L1_DEV_BALANCE)
    operator = dev_address(0)
    genesis = root_bytes(state_tree(Node.genesis_world(config)).root)
    rollup = _l1_success(l1.deploy(operator, "rollup", genesis, config.chain_id, force_delay), "deploying the rollup")
    bridge = _l1_success(l1.deploy(operator, "bridge", rollup.contract_address), "deploying the bridge")
    _l1_success(l1.transact(operator, rollup.contract_address, "set_bridge", bridge.contract_address),
                "linking the bridge")
    l1.mine()
    return dataclasses.replace(config, l1_rollup=to_hex(rollup.contract_address),
                               l1_bridge=to_hex(bridge.contract_address), l1_operator=to_hex(operator))


def _l1_success(receipt: Receipt, what: str) -> Receipt:
    if not receipt.success:
        raise NodeError(f"{what} failed on L1: {receipt.revert_reason}")
    return receipt


def _erase_init(store: Store) -> None:
    """Delete what a failed init wrote into a database that held no chain and no L1 before it."""
    with store.write(lock=False) as session:
        for model in (L1EventRow, L1ReceiptRow, L1StorageRow, L1AccountRow, L1BlockRow, L1ChainRow,
                      BatchRow, AccountRow, Chain):
            session.execute(delete(model))


def _find_rollup(store: Store, rollup: bytes | None) -> bytes:
    """The rollup contract's address: ``rollup`` checked, else the only one on the L1."""
    with store.read() as session:
        if rollup is not None:
            row = session.get(L1AccountRow, to_hex(rollup))
            if row is None or row.contract != "rollup":
                raise NodeError(f"no rollup contract at {to_hex(rollup)} on this L1")
            return rollup
        found = list(session.execute(select(L1AccountRow.address).where(L1AccountRow.contract == "rollup")).scalars())
    if len(found) != 1:
        raise NodeError(f"the L1 holds {len(found)} rollup contracts; name one with --rollup")
    return parse_address(found[0])


def _accepted_statements(l1: L1Chain, rollup: bytes) -> list[BatchStatement]:
    """The batches the rollup accepted, in order, each read from the calldata of the ``submit_batch``
    transaction its ``BatchAccepted`` event came from."""
    out: list[BatchStatement] = []
    for event in l1.events(rollup, "BatchAccepted"):
        receipt = l1.receipt(event.tx_hash)
        where = f"L1 transaction {to_hex(event.tx_hash)}"
        if receipt is None or receipt.to != rollup or receipt.method != "submit_batch" or not receipt.success:
            raise NodeError(f"{where} is not an accepted submit_batch call")
        try:
            statement = BatchStatement.from_bytes(decode_submission(receipt.calldata)[0])
        except ValueError as exc:
            raise NodeError(f"{where}: {exc}") from None
        if statement.number != len(out) + 1 or statement.number != event.fields["number"]:
            raise NodeError(f"{where} carries batch {statement.number}, expected {len(out) + 1}")
        if root_bytes(statement.new_root) != event.fields["state_root"]:
            raise NodeError(f"{where}: batch {statement.number}'s root differs from the one L1 accepted")
        out.append(statement)
    return out


def data_dir_url(home: Path | str) -> str:
    """The database URL of the data dir ``home`` (NodeError if it is not one)."""
    home = Path(home).expanduser()
    marker = home / DATA_DIR_FILE
    if not marker.is_file():
        raise NodeError(f"{home} is not an l2 data dir (run `l2 init --home {home}` first)")
    try:
        meta = json.loads(marker.read_text())
        if not isinstance(meta, dict) or meta.get("format") != DATA_DIR_FORMAT:
            raise ValueError("unknown format")
    except (OSError, ValueError) as exc:
        raise NodeError(f"{marker} is unreadable: {_first_line(exc)}") from None
    url = meta.get("db") or sqlite_url(home / DB_FILE)
    if url.startswith("sqlite") and meta.get("db") is None and not (home / DB_FILE).is_file():
        raise NodeError(f"{home} is not an l2 data dir: {DB_FILE} is missing")
    return url


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _tx_json(row: TxRow) -> dict[str, Any]:
    receipt = row.receipt
    out: dict[str, Any] = {
        "hash": row.hash,
        "status": row.status,
        "from": row.sender,
        "to": row.to,
        "nonce": row.nonce,
        "value": row.value,
        "gas": row.gas,
        "batch": row.batch_number,
        "index": row.batch_index,
        "skip_reason": row.skip_reason,
        "gas_used": int(receipt["gasUsed"], 16) if receipt else None,
        "contract_address": receipt.get("contractAddress") if receipt else None,
        "logs": receipt.get("logs", []) if receipt else [],
        "error": receipt.get("error") if receipt else None,
        "receipt": receipt,
    }
    return out


def _batch_json(row: BatchRow, proofs: int, *, full: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "batch": row.number,
        "parent": row.parent,
        "txs": row.tx_count,
        "prev_state_root": row.prev_state_root,
        "state_root": row.state_root,
        "steps": row.steps,
        "gas_used": row.gas_used,
        "timestamp": row.timestamp,
        "proofs": proofs,
    }
    if full:
        out.update(
            {
                "tx_hashes": list(row.tx_hashes),
                "trace_stats": row.trace_stats,
                "base_fee": row.base_fee,
                "coinbase": row.coinbase,
                "gas_limit": row.gas_limit,
                "sealed_at": row.sealed_at,
            }
        )
    return out


def parse_key_or_index(text: str) -> tuple[int | None, Path | None]:
    """``--from`` values: a dev-account index (digits) or a key file path."""
    text = text.strip()
    if text.isdigit():
        return int(text), None
    return None, Path(text).expanduser()


def read_key_file(path: Path) -> bytes:
    """A private key from a file holding its hex (with or without 0x)."""
    try:
        text = path.read_text().strip()
    except OSError:
        raise NodeError(f"unknown account {str(path)!r}: neither a dev-account index nor a readable key file") from None
    try:
        key = from_hex(text)
        private_key_to_address(key)
    except (ValueError, InvalidPrivateKey):
        raise NodeError(f"key file {path} does not hold a hex private key") from None
    return key

