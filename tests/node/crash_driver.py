"""Crash-test worker: admits transactions and seals batches until it is killed.

``python crash_driver.py`` starts a *zygote*: it imports and warms up the node once, then for each
``RUN <home> <seed> <contract> <log>`` line on stdin forks a worker and answers ``PID <pid>``. The
worker opens the data dir afresh (as a restarted node would) and loops: admit a few transactions,
seal a batch. It appends, flushed, one line per acknowledged event to ``<log>`` — ``ACK <hash>``
once an admission committed, ``SEALING`` before a seal starts and ``SEALED <batch> <root> <txs>``
once it committed — so the killer knows what was acknowledged and in which phase it struck.
Forking from a warm zygote makes a kill-and-restart cycle cost milliseconds instead of a new
interpreter's imports.
"""

from __future__ import annotations

import os
import random
import signal
import sys

from l2.crypto import dev_address, parse_address
from l2.demo import SELECTORS
from l2.node import Node
from l2.sequencer import state_tree
from l2.state.world import Account, WorldState
from l2.tx import DynamicFeeTx, sign


def work(home: str, seed: int, contract: str, log_path: str) -> None:
    log = open(log_path, "w", buffering=1)
    rng = random.Random(seed)
    node = Node.open(home)
    target = parse_address(contract)
    count = node.config.dev_accounts
    log.write("READY\n")
    while True:
        for _ in range(rng.randrange(1, 10)):
            key = node.dev_key(rng.randrange(count))
            if rng.random() < 0.25:
                data = SELECTORS["store(uint256)"] + rng.randrange(1, 1000).to_bytes(32, "big")
                admitted = node.send(key, to=target, data=data, gas=120_000)
            else:
                to = dev_address(rng.randrange(count)) if rng.random() < 0.5 else rng.randbytes(20)
                admitted = node.send(key, to=to, value=rng.randrange(1, 10**15))
            log.write(f"ACK {admitted.hash}\n")
        log.write("SEALING\n")
        result = node.seal()
        log.write(f"SEALED {result.batch} {result.state_root} {len(result.tx_hashes)}\n")


def zygote() -> None:
    # load the compiled hashing kernels and the signing tables once, before any fork
    state_tree(WorldState({dev_address(0): Account(nonce=1)})).root_hex
    sign(DynamicFeeTx(chain_id=1, nonce=0, max_priority_fee_per_gas=0, max_fee_per_gas=0, gas=0, to=None),
         bytes(31) + b"\x01")
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # killed workers are reaped automatically
    print("ZYGOTE", flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] != "RUN":
            break
        pid = os.fork()
        if pid == 0:
            try:
                work(words[1], int(words[2]), words[3], words[4])
            finally:
                os._exit(1)
        print(f"PID {pid}", flush=True)


if __name__ == "__main__":
    zygote()
