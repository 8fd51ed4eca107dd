"""Crash safety: SIGKILL the node at random moments while it admits and seals, then restart.

Admission, sealing and proof storage are each one SQL transaction, so after any kill the data dir
must hold every acknowledged transaction exactly once, every acknowledged batch with its root, and
a chain whose re-execution from genesis reproduces every state root.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from l2.crypto import dev_address, to_hex
from l2.demo import STORE_INITCODE
from l2.node import Node
from l2.store import TxRow

DRIVER = Path(__file__).with_name("crash_driver.py")
TARGET_KILLS = 25
TIME_BUDGET_S = 50.0


def _lines(path: Path) -> list[str]:
    text = path.read_text() if path.exists() else ""
    complete = text[: text.rfind("\n") + 1]  # a line cut by the kill is not an acknowledgement
    return complete.splitlines()


def _wait_ready(path: Path, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "READY" in _lines(path):
            return
        if proc.poll() is not None:
            raise AssertionError(f"driver exited with {proc.returncode}: {path.read_text()[-2000:]}")
        time.sleep(0.01)
    raise AssertionError("driver did not start")


def _wait_for_seal(path: Path, proc: subprocess.Popen, nth: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if _lines(path).count("SEALING") >= nth:
            return
        time.sleep(0.001)


@pytest.mark.slow
def test_sigkill_at_random_points_loses_and_repeats_nothing(tmp_path, capsys):
    home = tmp_path / "chain"
    with Node.init(home, dev_accounts=5) as node:
        _, contract = node.deploy(node.dev_key(0), STORE_INITCODE)
        node.seal()

    rng = random.Random(20240611)
    acked: set[str] = set()
    sealed: dict[int, str] = {}
    phases = {"admission": 0, "sealing": 0}
    kills = 0
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(Path.cwd()), os.environ.get("PYTHONPATH")]))}
    started = time.monotonic()
    while kills < TARGET_KILLS and time.monotonic() - started < TIME_BUDGET_S:
        log = tmp_path / f"driver-{kills}.log"
        with open(log, "w") as out:
            proc = subprocess.Popen([sys.executable, str(DRIVER), str(home), str(rng.randrange(1 << 30)),
                                     to_hex(contract)], stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            _wait_ready(log, proc)
            if kills % 2:
                time.sleep(rng.uniform(0.0, 0.6))  # anywhere
            else:
                _wait_for_seal(log, proc, rng.randrange(1, 4))  # inside the n-th seal
                time.sleep(rng.uniform(0.0, 0.02))
            if proc.poll() is not None:
                raise AssertionError(f"driver died on its own: {log.read_text()[-2000:]}")
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.wait(timeout=60)
        kills += 1
        lines = _lines(log)
        for line in lines:
            words = line.split()
            if words[0] == "ACK":
                acked.add(words[1])
            elif words[0] == "SEALED" and words[1] != "None":
                sealed[int(words[1])] = words[2]
        phases["sealing" if lines and lines[-1] == "SEALING" else "admission"] += 1

    with Node.open(home) as node:
        with node.store.read() as session:
            rows = {r.hash: r for r in session.execute(select(TxRow)).scalars()}
        assert acked <= rows.keys(), f"lost acknowledged transactions: {sorted(acked - rows.keys())[:3]}"
        for batch, root in sealed.items():
            assert node.batch(batch)["state_root"] == root
        # every nonce of every sender was applied exactly once
        for i in range(node.config.dev_accounts):
            sender = to_hex(dev_address(i))
            applied = sorted(r.nonce for r in rows.values() if r.sender == sender and r.status in ("included", "failed"))
            assert applied == list(range(node.nonce(dev_address(i))))
        head = node.verify_chain()  # re-executes every batch from genesis: same roots, same state
        # the rest goes in too, and nothing was created or destroyed but fees moved
        while node.seal().batch is not None:
            pass
        with node.store.read() as session:
            statuses = {r.hash: r.status for r in session.execute(select(TxRow)).scalars()}
        assert all(statuses[h] in ("included", "failed") for h in acked)
        world = node.world()
        assert sum(account.balance for _, account in world.accounts()) == 5 * node.config.dev_balance

    assert kills >= 15, f"only {kills} kills in {TIME_BUDGET_S} s"
    assert phases["sealing"] > 0 and phases["admission"] > 0
    with capsys.disabled():
        print(f"\ncrash test: {kills} SIGKILLs ({phases['sealing']} while sealing, {phases['admission']} while "
              f"admitting); {len(acked)} acknowledged txs, {len(sealed)} acknowledged batches, all intact; "
              f"{head} batches re-executed with identical roots")
