"""Differential test: thousands of random programs on this VM and on py-evm's CancunVM.

Each program (see ``vm_programs``) runs as the contract of a message call on
both VMs from the same accounts; status, output, gas left, refund counter,
logs, and every account's nonce, balance, code and storage must agree.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest

from vm_programs import ADDRESSES, CALLER, CONTRACT, SLOTS, make_case
from vm_reference import compare

DEFAULT_CASES = int(os.environ.get("L2_VM_DIFF_CASES", "3000"))
SWEEP_CASES = int(os.environ.get("L2_VM_DIFF_SWEEP", "20000"))


def _run_cases(seeds: range) -> Counter:
    statuses: Counter = Counter()
    mismatches = []
    for seed in seeds:
        case = make_case(seed)
        ours, ref = compare(
            case.accounts,
            CALLER,
            CONTRACT,
            case.gas,
            case.value,
            case.calldata,
            extra_addresses=tuple(ADDRESSES),
            extra_slots=SLOTS,
        )
        statuses[ref.status] += 1
        if ours.summary() != ref.summary() or ours.accounts != ref.accounts:
            mismatches.append((seed, case.code.hex(), ours.summary(), ref.summary()))
    assert not mismatches, f"{len(mismatches)} mismatches, first: {mismatches[0]}"
    return statuses


def test_random_programs_match_pyevm():
    statuses = _run_cases(range(DEFAULT_CASES))
    print(f"\ncompared {sum(statuses.values())} random programs with py-evm: {dict(statuses)}")
    # the generator must exercise every outcome, not only failures
    assert all(statuses[s] > DEFAULT_CASES // 20 for s in ("success", "revert", "error"))


@pytest.mark.slow
def test_random_programs_match_pyevm_sweep():
    statuses = _run_cases(range(1_000_000, 1_000_000 + SWEEP_CASES))
    print(f"\ncompared {sum(statuses.values())} random programs with py-evm: {dict(statuses)}")


def test_generator_covers_the_opcode_set():
    from l2.vm import Op
    from l2.vm.analysis import analyze

    seen = set()
    for seed in range(300):
        code = make_case(seed).code
        info = analyze(code)
        pc = 0
        while pc < len(code):
            seen.add(code[pc])
            pc += 1 + (code[pc] - 0x5F if 0x60 <= code[pc] <= 0x7F else 0)
        assert info.jumpdests is not None
    missing = {op.name for op in Op} - {Op(b).name for b in seen if b in set(Op)}
    # PUSH widths the generator never picks are covered by test_instructions
    assert {m for m in missing if not m.startswith("PUSH")} == set()
