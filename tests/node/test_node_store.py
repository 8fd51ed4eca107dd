"""The SQL store on SQLite and PostgreSQL: schema, migrations, locking, persistence across reopen."""

from __future__ import annotations

import threading
import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from l2.crypto import dev_address, to_hex
from l2.demo import SELECTORS, STORE_INITCODE
from l2.node import DEV_BALANCE, Node
from l2.store import HEAD_REVISION, Store, TxRow, current_revision, kv_get, kv_put, make_engine, upgrade
from l2.store.engine import MIGRATIONS_DIR
from l2.store.models import Base


def test_head_revision_is_the_newest_migration():
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION


def test_migrations_create_exactly_the_models(db_url):
    with Store(db_url) as store:
        with store.engine.connect() as conn:
            assert current_revision(conn) == HEAD_REVISION
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_older_database_is_upgraded_at_open(db_url):
    engine = make_engine(db_url)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        assert current_revision(conn) == "0001"
        assert not _has_table(conn, "proofs")
        conn.execute(text("INSERT INTO accounts (address, nonce, balance, code_hash) VALUES ('0x01', 3, '99', '0x00')"))
    engine.dispose()
    with Store(db_url) as store:
        with store.engine.connect() as conn:
            assert current_revision(conn) == HEAD_REVISION
            assert _has_table(conn, "proofs") and _has_table(conn, "kv")
            assert conn.execute(text("SELECT nonce, balance FROM accounts")).one() == (3, "99")


def _has_table(conn, name: str) -> bool:
    from sqlalchemy import inspect

    return inspect(conn).has_table(name)


def test_sqlite_is_durable_and_in_wal_mode(tmp_path):
    from l2.store import sqlite_url

    with Store(sqlite_url(tmp_path / "x.sqlite")) as store:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_node_state_survives_reopen(db_url, tmp_path):
    home = tmp_path / "chain"
    node = Node.init(home, dev_accounts=3, db_url=db_url)
    node.send(node.dev_key(0), to=dev_address(1), value=12345)
    _, contract = node.deploy(node.dev_key(2), STORE_INITCODE)
    first = node.seal()
    stored = node.send(node.dev_key(1), to=contract, data=SELECTORS["store(uint256)"] + (77).to_bytes(32, "big"))
    second = node.seal()
    assert (first.batch, second.batch) == (1, 2)
    proof_id = node.save_proof(2, b"\x01proof", {"blowup": 8}, {"prove_s": 1.5})
    with node.store.write() as session:
        kv_put(session, "l1", "root", b"\xaa" * 32)
    before = (node.dev_accounts(), node.batches(), node.status()["state_root"], node.world())
    node.close()

    reopened = Node.open(home)
    try:
        after = (reopened.dev_accounts(), reopened.batches(), reopened.status()["state_root"], reopened.world())
        assert after[:3] == before[:3]
        assert after[3] == before[3]
        assert after[2] == second.state_root
        assert reopened.call(to=contract, data=SELECTORS["value()"]).output == (77).to_bytes(32, "big")
        assert reopened.verify_chain() == 2
        [proof] = reopened.proofs(2)
        assert (proof["id"], proof["proof"], proof["params"], proof["timings"]) == (
            proof_id, b"\x01proof", {"blowup": 8}, {"prove_s": 1.5})
        with reopened.store.read() as session:
            assert kv_get(session, "l1", "root") == b"\xaa" * 32
            assert kv_get(session, "l1", "missing") is None
        balances = {a["index"]: a["balance"] for a in reopened.dev_accounts()}
        paid = reopened.transaction(stored.hash)["gas_used"] * reopened.config.base_fee
        assert balances[1] == DEV_BALANCE + 12345 - paid
    finally:
        reopened.close()


def test_a_nonce_is_live_once_per_sender(db_url, tmp_path):
    node = Node.init(tmp_path / "chain", dev_accounts=1, db_url=db_url)
    try:
        row = dict(raw=b"\x00", tx_type=2, sender=to_hex(dev_address(0)), nonce=0, to=None, value=0, gas=21000,
                   max_fee_per_gas=1, max_priority_fee_per_gas=1, received_at=0.0)
        with node.store.write() as session:
            session.add(TxRow(hash="0x" + "11" * 32, status="skipped", **row))
            session.add(TxRow(hash="0x" + "22" * 32, status="pending", **row))  # a skipped nonce is free again
        with pytest.raises(IntegrityError):
            with node.store.write() as session:
                session.add(TxRow(hash="0x" + "33" * 32, status="pending", **row))
        with node.store.read() as session:
            assert len(session.execute(select(TxRow)).scalars().all()) == 2
    finally:
        node.close()


def test_writers_are_serialized(db_url, tmp_path):
    """A second writer waits at the start of its transaction until the first one commits."""
    node = Node.init(tmp_path / "chain", dev_accounts=1, db_url=db_url)
    other = Node.open(tmp_path / "chain")
    holding = threading.Event()
    events: list[tuple[str, float]] = []

    def first() -> None:
        with node.store.write():
            holding.set()
            time.sleep(0.4)
            events.append(("first commits", time.monotonic()))

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert holding.wait(10)
        with other.store.write():
            events.append(("second in", time.monotonic()))
    finally:
        thread.join()
        node.close()
        other.close()
    assert [name for name, _ in events] == ["first commits", "second in"]
