"""Database engines and schema upgrades.

SQLite (the default: one file in the data dir) runs in WAL mode with ``synchronous=FULL``, so a
commit is on disk when it returns and readers never block the writer. pysqlite's own transaction
handling is switched off and transactions are begun explicitly: read sessions with a deferred
``BEGIN``, write sessions with ``BEGIN IMMEDIATE``, which takes the database's write lock before
the first read. A writer therefore never decides on data another writer is about to change, and
never fails with "database is locked" half way through: it waits (up to the busy timeout) at
``BEGIN`` instead.

PostgreSQL (``postgresql+psycopg://user@host/db``) runs at READ COMMITTED; writers serialize on a
``SELECT ... FOR UPDATE`` of the one ``chain`` row (see :class:`l2.store.store.Store`).

The schema is owned by Alembic: :func:`upgrade` brings any older database to ``HEAD_REVISION`` when
a store is opened. Checking the version is a single query, so opening an up-to-date store does not
import Alembic at all.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import Connection

__all__ = [
    "HEAD_REVISION",
    "MIGRATIONS_DIR",
    "BUSY_TIMEOUT_S",
    "make_engine",
    "sqlite_url",
    "current_revision",
    "upgrade",
]

HEAD_REVISION = "0004"
"""The newest migration; a test checks it against the migration scripts."""

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

BUSY_TIMEOUT_S = 120
"""How long a SQLite writer waits for another writer's lock before giving up."""

WRITE_OPTION = "l2_write"
"""Execution option that marks a connection's transactions as writes (``BEGIN IMMEDIATE``)."""


def sqlite_url(path: Path | str) -> str:
    """SQLAlchemy URL of a SQLite file."""
    return "sqlite:///" + str(Path(path).resolve())


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the durability and locking settings described above."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # transactions begun below, not by pysqlite
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def current_revision(conn: Connection) -> str | None:
    """The schema revision of the database (None for an empty database)."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` in one transaction (a no-op when up to date)."""
    if revision in ("head", HEAD_REVISION):
        with engine.connect() as conn:
            if current_revision(conn) == HEAD_REVISION:
                return
    from alembic import command
    from alembic.config import Config

    with engine.execution_options(**{WRITE_OPTION: True}).begin() as conn:
        if conn.dialect.name == "postgresql":
            # two processes opening an old database at once: the second waits, then finds it current
            conn.execute(text("SELECT pg_advisory_xact_lock(7325001)"))
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
