"""Crash safety: SIGKILL the node at random moments while it admits and seals, then restart.

Admission, sealing and proof storage are each one SQL transaction, so after any kill the data dir
must hold every acknowledged transaction exactly once, every acknowledged batch with its root, and
a chain whose re-execution from genesis reproduces every state root. The workers are forked from a
warm zygote (see ``crash_driver.py``) so that many kill-and-restart cycles fit in seconds.
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
KILLS = 30
TIME_BUDGET_S = 60.0


def _lines(path: Path) -> list[str]:
    text = path.read_text() if path.exists() else ""
    return text[: text.rfind("\n") + 1].splitlines()  # a line cut by the kill is not an acknowledgement


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait(pid: int, path: Path, done, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = _lines(path)
        if done(lines):
            return
        if not _alive(pid):
            raise AssertionError(f"worker {pid} died on its own: {path.read_text()[-2000:]}")
        time.sleep(0.001)
    raise AssertionError(f"worker {pid} made no progress: {path.read_text()[-500:]}")


def _kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while _alive(pid) and time.monotonic() < deadline:  # the zygote reaps it
        time.sleep(0.001)


@pytest.mark.slow
def test_sigkill_at_random_points_loses_and_repeats_nothing(tmp_path, capsys):
    home = tmp_path / "chain"
    with Node.init(home, dev_accounts=5) as node:
        _, contract = node.deploy(node.dev_key(0), STORE_INITCODE)
        node.seal()

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(Path.cwd()), os.environ.get("PYTHONPATH")]))}
    zygote = subprocess.Popen([sys.executable, str(DRIVER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              env=env)
    rng = random.Random(20240611)
    acked: set[str] = set()
    sealed: dict[int, str] = {}
    phases = {"admission": 0, "sealing": 0}
    kills = 0
    try:
        assert zygote.stdout.readline().strip() == "ZYGOTE"
        started = time.monotonic()
        while kills < KILLS and time.monotonic() - started < TIME_BUDGET_S:
            log = tmp_path / f"worker-{kills}.log"
            zygote.stdin.write(f"RUN {home} {rng.randrange(1 << 30)} {to_hex(contract)} {log}\n")
            zygote.stdin.flush()
            pid = int(zygote.stdout.readline().split()[1])
            _wait(pid, log, lambda lines: "READY" in lines)
            if kills % 2:
                time.sleep(rng.uniform(0.0, 0.5))  # anywhere
            else:
                nth = rng.randrange(1, 4)  # inside the n-th seal
                _wait(pid, log, lambda lines: lines.count("SEALING") >= nth)
                time.sleep(rng.uniform(0.0, 0.02))
            _kill(pid)
            kills += 1
            lines = _lines(log)
            for line in lines:
                words = line.split()
                if words[0] == "ACK":
                    acked.add(words[1])
                elif words[0] == "SEALED" and words[1] != "None":
                    sealed[int(words[1])] = words[2]
            phases["sealing" if lines and lines[-1] == "SEALING" else "admission"] += 1
    finally:
        zygote.stdin.close()
        zygote.wait(timeout=60)

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
        # the rest goes in too, and nothing was created or destroyed, fees only moved
        while node.seal().batch is not None:
            pass
        with node.store.read() as session:
            statuses = {r.hash: r.status for r in session.execute(select(TxRow)).scalars()}
        assert all(statuses[h] in ("included", "failed") for h in acked)
        world = node.world()
        supply = 5 * node.config.dev_balance + node.config.bridge_reserve  # the L2 bridge account's reserve too
        assert sum(account.balance for _, account in world.accounts()) == supply

    assert kills >= 20, f"only {kills} kills in {TIME_BUDGET_S} s"
    assert phases["sealing"] > 0 and phases["admission"] > 0
    with capsys.disabled():
        print(f"\ncrash test: {kills} SIGKILLs ({phases['sealing']} while sealing, {phases['admission']} while "
              f"admitting); {len(acked)} acknowledged txs and {len(sealed)} acknowledged batches all intact; "
              f"{head} batches re-executed with identical roots")
