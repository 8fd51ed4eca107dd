"""The node: a data dir, its chain configuration and genesis, and the operations the CLI offers.

A data dir holds ``l2.json`` (which marks it as one and names the database) and, by default, the
SQLite database ``l2.sqlite``; with ``--db postgresql+psycopg://...`` the database lives on that
server instead and the data dir holds only ``l2.json``.

Genesis (batch 0) funds ``dev_accounts`` accounts whose keys are derived deterministically from
their index (:func:`l2.crypto.dev_private_key`) with ``DEV_BALANCE`` wei each. These keys are
public: a dev chain is for local use only.

Every write — admitting a transaction, sealing a batch, storing a proof — is one
:meth:`l2.store.Store.write` transaction; the methods here return only after it committed, so
whatever they return has been acknowledged durably.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

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
    state_tree,
)
from l2.state.keys import Kind, account_key, storage_key
from l2.state.tree import ZERO_DIGEST, UpdateWitness, digest_hex
from l2.state.world import Account, WorldState, code_hash
from l2.store.engine import sqlite_url
from l2.store.models import (
    TX_PENDING,
    AccountRow,
    BatchRow,
    Chain,
    CodeRow,
    ProofRow,
    StateChangeRow,
    TxRow,
)
from l2.store.store import Store, StoreError, account_state, load_world
from l2.tx import DynamicFeeTx, decode, encode, sign
from l2.vm import BlockEnv
from l2.vm.trace import TraceRecorder

__all__ = [
    "NodeError",
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
_HASH_RE = re.compile(r"^0x[0-9a-fA-F]{64}$")
_FIELD_KIND = {"nonce": Kind.NONCE, "balance": Kind.BALANCE, "code_hash": Kind.CODE_HASH}


class NodeError(Exception):
    """A user-facing failure (unknown account, batch or hash, a data dir that is not one); one line."""


def default_home() -> Path:
    """``$L2_HOME`` or ``~/.l2``."""
    env = os.environ.get("L2_HOME")
    return Path(env).expanduser() if env else Path.home() / ".l2"


@dataclass(frozen=True)
class ChainConfig:
    """Chain parameters fixed at genesis (stored in the ``chain`` row)."""

    chain_id: int = DEFAULT_CHAIN_ID
    dev_accounts: int = DEFAULT_DEV_ACCOUNTS
    dev_balance: int = DEV_BALANCE
    base_fee: int = DEFAULT_BASE_FEE
    coinbase: str = DEFAULT_COINBASE
    gas_limit: int = DEFAULT_GAS_LIMIT
    max_trace_rows: int = DEFAULT_MAX_TRACE_ROWS

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["dev_balance"] = str(self.dev_balance)  # beyond JSON's safe integers
        out["base_fee"] = str(self.base_fee)
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ChainConfig:
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        for key in ("dev_balance", "base_fee"):
            if key in known:
                known[key] = int(known[key])
        return cls(**known)

    @property
    def coinbase_bytes(self) -> bytes:
        return parse_address(self.coinbase)


def _mask_url(url: str) -> str:
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
    ) -> Node:
        """Create a data dir with a genesis state (batch 0) and return the open node."""
        home = Path(home).expanduser()
        if not 0 <= dev_accounts <= MAX_DEV_ACCOUNTS:
            raise NodeError(f"--dev-accounts must be between 0 and {MAX_DEV_ACCOUNTS}, got {dev_accounts}")
        if not 1 <= chain_id < 2**64:
            raise NodeError(f"--chain-id must be between 1 and 2^64 - 1, got {chain_id}")
        if (home / DATA_DIR_FILE).exists():
            raise NodeError(f"{home} is already an l2 data dir")
        if home.exists() and not home.is_dir():
            raise NodeError(f"{home} exists and is not a directory")
        if db_url is not None and not db_url.startswith(("sqlite", "postgresql")):
            raise NodeError(f"unsupported database URL {_mask_url(db_url)!r} (use sqlite:/// or postgresql+psycopg://)")
        config = ChainConfig(chain_id=chain_id, dev_accounts=dev_accounts, base_fee=base_fee, gas_limit=gas_limit)
        created = not home.exists()
        home.mkdir(parents=True, exist_ok=True)
        url = db_url or sqlite_url(home / DB_FILE)
        store = None
        try:
            try:
                store = Store(url)
            except Exception as exc:
                raise NodeError(f"cannot open database {_mask_url(url)}: {_first_line(exc)}") from None
            with store.write(lock=False) as session:
                if session.get(Chain, 1) is not None:
                    raise NodeError(f"database {_mask_url(url)} already holds a chain")
                cls._genesis(session, config, int(time.time()) if timestamp is None else timestamp)
            _write_json_atomic(home / DATA_DIR_FILE, {"format": DATA_DIR_FORMAT, "db": db_url})
        except BaseException:
            if store is not None:
                store.close()
            if created:  # a failed init leaves nothing behind
                shutil.rmtree(home, ignore_errors=True)
            raise
        return cls(home, store, config)

    @staticmethod
    def genesis_world(config: ChainConfig) -> WorldState:
        """The genesis state: the dev accounts, each funded with ``config.dev_balance``."""
        return WorldState({dev_address(i): Account(balance=config.dev_balance) for i in range(config.dev_accounts)})

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
        try:
            store = Store(url)
        except Exception as exc:
            raise NodeError(f"cannot open database {_mask_url(url)}: {_first_line(exc)}") from None
        try:
            with store.read() as session:
                chain = session.get(Chain, 1)
                if chain is None:
                    raise NodeError(f"database {_mask_url(url)} holds no chain")
                config = ChainConfig.from_json(chain.config)
        except BaseException:
            store.close()
            raise
        return cls(home, store, config)

    def close(self) -> None:
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

        The state after a committed seal is kept for this process's next seal (valid while no
        other process sealed in between, which the sequencer checks).
        """
        cached, self._sealed_state = self._sealed_state, None
        with self.store.write() as session:
            result = self.sequencer.seal(session, timestamp=timestamp, state=cached)
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
            "db": _mask_url(self.store.url),
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
                raise NodeError(f"unknown batch {batch} (sealed batches are 1..{head})")
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
        """Re-execute batch ``number`` from the state before it (or ``world``) and check its roots.

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

