"""Crash-test worker: admits transactions and seals batches until it is killed.

Run as ``python crash_driver.py HOME SEED CONTRACT``. It prints, flushed, one line per acknowledged
event — ``ACK <hash>`` once an admission committed, ``SEALING`` before a seal starts and
``SEALED <batch> <state root> <txs>`` once it committed — so the killer knows what was acknowledged
and in which phase it struck.
"""

from __future__ import annotations

import random
import sys

from l2.crypto import dev_address, parse_address
from l2.demo import SELECTORS
from l2.node import Node
from l2.sequencer import state_tree
from l2.tx import DynamicFeeTx, sign


def main(home: str, seed: int, contract: str) -> None:
    rng = random.Random(seed)
    node = Node.open(home)
    target = parse_address(contract)
    count = node.config.dev_accounts
    # load the compiled hashing kernels and signing tables before the killing starts
    state_tree(node.world()).root_hex
    sign(DynamicFeeTx(chain_id=1, nonce=0, max_priority_fee_per_gas=0, max_fee_per_gas=0, gas=0, to=None),
         node.dev_key(0))
    print("READY", flush=True)
    while True:
        for _ in range(rng.randrange(1, 10)):
            key = node.dev_key(rng.randrange(count))
            if rng.random() < 0.25:
                data = SELECTORS["store(uint256)"] + rng.randrange(1, 1000).to_bytes(32, "big")
                admitted = node.send(key, to=target, data=data, gas=120_000)
            else:
                to = dev_address(rng.randrange(count)) if rng.random() < 0.5 else rng.randbytes(20)
                admitted = node.send(key, to=to, value=rng.randrange(1, 10**15))
            print("ACK", admitted.hash, flush=True)
        print("SEALING", flush=True)
        result = node.seal()
        print("SEALED", result.batch, result.state_root, len(result.tx_hashes), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
