"""
VM throughput: steps per second with tracing off and on
=======================================================

Two workloads:

* ``loop`` — a counted loop of arithmetic, DUP/SWAP, MSTORE/MLOAD and JUMPI
  (19 steps per iteration);
* ``erc20_transfer`` — ``transfer(address,uint256)`` of a Vyper-compiled
  ERC-20 token (needs the ``vyper`` compiler), one message call per transfer
  with fresh per-transaction state, each transfer to a new receiver.

For each, the same work runs without a tracer and with the
:class:`~l2.vm.trace.TraceRecorder`; ``materialize_s`` is the extra time to
turn the recorded steps into :class:`~l2.vm.trace.Step` tuples. Prints one
JSON object on stdout.

    python benchmarks/bench_vm.py [--iterations 20000] [--transfers 300] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

from l2.state.world import Account, WorldState
from l2.vm import BlockEnv, Message, TxEnv, begin_transaction, compute_contract_address, process_message_call
from l2.vm.trace import TraceRecorder

CALLER = (0xCA11E7).to_bytes(20, "big")
CONTRACT = (0xC0DE).to_bytes(20, "big")
LOOP_STEPS_PER_ITERATION = 19


def loop_code(iterations: int) -> bytes:
    """acc = acc·3 + 1; mem[0] = acc; acc += mem[0]; repeated ``iterations`` times."""
    code = bytearray()
    code += b"\x62" + iterations.to_bytes(3, "big")  # PUSH3 n           [n]
    code += b"\x5f"  # PUSH0                                             [n, acc]
    loop = len(code)
    code += b"\x5b"  # JUMPDEST
    code += bytes.fromhex("600302600101")  # acc = acc * 3 + 1
    code += bytes.fromhex("80600052")  # DUP1 PUSH1 0 MSTORE
    code += bytes.fromhex("60005101")  # PUSH1 0 MLOAD ADD
    code += bytes.fromhex("90600190039081")  # SWAP1, n - 1, SWAP1, DUP2    [n-1, acc, n-1]
    code += b"\x61" + loop.to_bytes(2, "big") + b"\x57"  # PUSH2 loop JUMPI
    code += b"\x00"
    return bytes(code)


def _run(state: WorldState, caller: bytes, target: bytes, code: bytes, data: bytes, gas: int, tracer):
    begin_transaction(state, caller, target)
    message = Message(caller=caller, target=target, current_target=target, gas=gas, data=data, code=code, code_address=target)
    return process_message_call(message, state, BlockEnv(), TxEnv(origin=caller), tracer)


def bench_loop(iterations: int, repeat: int) -> dict:
    code = loop_code(iterations)
    best = {}
    for traced in (False, True):
        times = []
        materialize = []
        steps = 0
        for _ in range(repeat):
            state = WorldState({CONTRACT: Account(code=code)})
            recorder = TraceRecorder() if traced else None
            start = time.perf_counter()
            result = _run(state, CALLER, CONTRACT, code, b"", 10**12, recorder)
            times.append(time.perf_counter() - start)
            assert result.status == "success"
            if recorder is not None:
                steps = len(recorder.trace)
                start = time.perf_counter()
                recorder.trace.steps
                materialize.append(time.perf_counter() - start)
        steps = steps or iterations * LOOP_STEPS_PER_ITERATION + 3
        best["traced" if traced else "untraced"] = (steps, min(times), min(materialize) if materialize else 0.0)
    return {
        "steps": best["untraced"][0],
        "untraced_s": round(best["untraced"][1], 4),
        "untraced_steps_per_s": round(best["untraced"][0] / best["untraced"][1]),
        "traced_s": round(best["traced"][1], 4),
        "traced_steps_per_s": round(best["traced"][0] / best["traced"][1]),
        "materialize_s": round(best["traced"][2], 4),
    }


def _token() -> tuple[bytes, bytes]:
    import vyper
    from vyper.compiler.settings import Settings

    source = (Path(__file__).resolve().parents[1] / "tests" / "contracts" / "token.vy").read_text()
    out = vyper.compile_code(source, output_formats=["bytecode"], settings=Settings(evm_version="cancun"))
    return bytes.fromhex(out["bytecode"][2:]), b""


def bench_erc20(transfers: int, repeat: int) -> dict:
    from Crypto.Hash import keccak

    initcode, _ = _token()
    supply = 10**30
    selector = keccak.new(digest_bits=256, data=b"transfer(address,uint256)").digest()[:4]
    results = {}
    for traced in (False, True):
        times = []
        steps_total = 0
        for _ in range(repeat):
            state = WorldState({CALLER: Account(balance=10**18)})
            token = compute_contract_address(CALLER, 0)
            begin_transaction(state, CALLER, token)
            deploy = Message(
                caller=CALLER, target=None, current_target=token, gas=5_000_000, code=initcode + supply.to_bytes(32, "big")
            )
            assert process_message_call(deploy, state, BlockEnv(), TxEnv(origin=CALLER)).status == "success"
            runtime = state.get_code(token)
            steps_total = 0
            elapsed = 0.0
            for i in range(transfers):
                receiver = (0x10000 + i).to_bytes(20, "big")
                data = selector + bytes(12) + receiver + (1000 + i).to_bytes(32, "big")
                recorder = TraceRecorder() if traced else None
                start = time.perf_counter()
                result = _run(state, CALLER, token, runtime, data, 200_000, recorder)
                elapsed += time.perf_counter() - start
                assert result.status == "success"
                if recorder is not None:
                    steps_total += len(recorder.trace)
            times.append(elapsed)
        results[traced] = (steps_total, min(times))
    # the untraced run executes the same steps as the traced one
    steps = results[True][0]
    return {
        "transfers": transfers,
        "steps_per_transfer": steps // transfers,
        "untraced_s": round(results[False][1], 4),
        "untraced_steps_per_s": round(steps / results[False][1]),
        "untraced_transfers_per_s": round(transfers / results[False][1], 1),
        "traced_s": round(results[True][1], 4),
        "traced_steps_per_s": round(steps / results[True][1]),
        "traced_transfers_per_s": round(transfers / results[True][1], 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=20_000, help="loop iterations (19 steps each)")
    parser.add_argument("--transfers", type=int, default=300, help="ERC-20 transfers")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = parser.parse_args(argv)
    report = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "loop": bench_loop(args.iterations, args.repeat),
    }
    try:
        report["erc20_transfer"] = bench_erc20(args.transfers, args.repeat)
    except ImportError as error:
        report["erc20_transfer"] = {"skipped": f"vyper not available: {error}"}
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
