"""Random programs proven: a sample of the differential test's programs that the execution circuit
covers is run on py-evm, proven, and the proof verified against the reference's outcome.

The generator (``vm_programs``) draws over the VM's whole opcode set; programs that execute
something outside the proven set are refused by ``l2 evm prove`` with the opcode and pc (checked
here too), the rest must prove.  The proof's statement — status, gas used, output, final storage —
must be py-evm's for the same message in the same world and block.
"""

from __future__ import annotations

import pytest
from vm_programs import CALLER, CONTRACT, make_case
from vm_reference import BLOCK, GAS_PRICE, ORIGIN, compare

from circuits.vm.proven import unproven_steps
from l2.evm_prove import EvmProofError, prove_code, record_run, verify_file
from l2.state.world import Account
from l2.vm import TxEnv
from verifier.proof import ProofOptions

FAST = ProofOptions(blowup=8, num_queries=24, grinding_bits=4, fri_remainder_log=2)
SEEDS = range(0, 1500)
SAMPLE = 12
MAX_STEPS = 3000


def _context() -> dict:
    return dict(origin=ORIGIN, gas_price=GAS_PRICE, chain_id=BLOCK.chain_id, number=BLOCK.number,
                timestamp=BLOCK.timestamp, base_fee=BLOCK.base_fee)


def _split(seeds):
    """(proven-only cases, refused cases) over ``seeds``, each with its recorded run."""
    covered, refused = [], []
    for seed in seeds:
        case = make_case(seed)
        storage = dict(case.accounts[CONTRACT].storage)
        trace = record_run(case.code, case.calldata, case.gas, case.value, CALLER, storage, BLOCK,
                           TxEnv(origin=ORIGIN, gas_price=GAS_PRICE))
        (refused if unproven_steps(trace) else covered).append((case, storage, trace))
    return covered, refused


@pytest.fixture(scope="module")
def split():
    return _split(SEEDS)


@pytest.mark.slow
def test_sample_of_random_programs_proves_and_matches_pyevm(split, tmp_path):
    covered, _ = split
    sample = [c for c in covered if 20 <= len(c[2]) <= MAX_STEPS][:SAMPLE]
    assert len(sample) == SAMPLE, f"only {len(sample)} of {len(SEEDS)} random programs are inside the proven set"
    for case, storage, _trace in sample:
        world = {CALLER: Account(balance=case.value), CONTRACT: Account(code=case.code, storage=storage)}
        _ours, ref = compare(world, CALLER, CONTRACT, case.gas, case.value, case.calldata)
        out = tmp_path / f"{case.seed}.proof"
        report = prove_code(case.code, case.calldata, case.gas, case.value, CALLER, storage, out=out, options=FAST,
                            **_context())
        verified = verify_file(out, min_security=0)
        assert verified["valid"]
        assert verified["status"] == report["status"] == ref.status, case.seed
        assert report["gas_used"] == case.gas - ref.gas_left, case.seed
        assert report["output"] == "0x" + ref.output.hex(), case.seed
        if ref.status == "success":
            ref_storage = ref.accounts.get(CONTRACT, (0, 0, b"", {}))[3]
            assert {int(k, 16): int(v, 16) for k, v in report["storage"].items()} == ref_storage, case.seed


def test_programs_outside_the_proven_set_are_refused_naming_the_opcode(split):
    _, refused = split
    assert refused, "every random program is inside the proven set: this test has nothing to refuse"
    case, storage, trace = refused[0]
    name, pc = unproven_steps(trace)[0]
    with pytest.raises(EvmProofError, match=f"{name.split(' ')[0]}.* at pc {pc}"):
        prove_code(case.code, case.calldata, case.gas, case.value, CALLER, storage, options=FAST, **_context())
