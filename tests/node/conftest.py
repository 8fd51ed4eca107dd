"""Fixtures of the node tests: CLI invocation, and SQLite/PostgreSQL database URLs.

PostgreSQL: ``L2_TEST_POSTGRES_URL`` (a ``postgresql+psycopg://`` URL of a role that may
``CREATE DATABASE``) is used when set. Otherwise, if ``initdb`` and ``pg_ctl`` are on PATH, a
throwaway server is started for the session (as the ``postgres`` user when running as root, since
PostgreSQL refuses to run as root) on a free loopback port. Otherwise the PostgreSQL cases skip.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from l2.cli import app
from l2.store.engine import sqlite_url


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        assert self.exit_code == 0, self.stderr
        return json.loads(self.stdout)


def run_cli(home: Path | str, *args: str) -> CliResult:
    """Run ``l2 --home HOME ARGS...`` in-process; stdout and stderr separately."""
    result = CliRunner().invoke(app, ["--home", str(home), *args], catch_exceptions=False)
    return CliResult(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def cli():
    return run_cli


# --------------------------------------------------------------------------------------------------
# PostgreSQL


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server():
    """URL of a PostgreSQL server whose role may create databases (see the module docstring)."""
    url = os.environ.get("L2_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL tests need L2_TEST_POSTGRES_URL, or initdb and pg_ctl on PATH")
    prefix: list[str] = []
    datadir = Path(tempfile.mkdtemp(prefix="l2-pg-"))
    if os.geteuid() == 0:
        import pwd

        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(datadir, ignore_errors=True)
            pytest.skip("running as root without a `postgres` user to run a throwaway PostgreSQL server")
        runuser = shutil.which("runuser")
        if runuser is None:
            shutil.rmtree(datadir, ignore_errors=True)
            pytest.skip("running as root without runuser to start PostgreSQL as `postgres`")
        os.chown(datadir, user.pw_uid, user.pw_gid)
        prefix = [runuser, "-u", "postgres", "--"]
    port = _free_port()
    try:
        subprocess.run([*prefix, initdb, "-D", str(datadir), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
                       check=True, capture_output=True, timeout=120)
        options = f"-p {port} -k {datadir} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run([*prefix, pg_ctl, "-D", str(datadir), "-o", options, "-l", str(datadir / "server.log"),
                        "-w", "-t", "60", "start"], check=True, capture_output=True, timeout=120)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(datadir, ignore_errors=True)
        detail = getattr(exc, "stderr", b"") or b""
        pytest.skip(f"could not start a throwaway PostgreSQL server: {detail.decode(errors='replace').strip()[:200]}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", str(datadir), "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=120)
        shutil.rmtree(datadir, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, empty database on the test server (dropped afterwards)."""
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(postgres_server)
    name = f"l2_test_{uuid.uuid4().hex[:12]}"
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A database URL on each backend: a SQLite file, and a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "store.sqlite")
    return request.getfixturevalue("postgres_url")
