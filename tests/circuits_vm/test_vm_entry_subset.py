"""The table holds only the code entries a run looks up (``VmStatement.pcs``, ``code_words``).

Any subset is sound: every looked-up tuple must still be an entry the verifier computes from the
code, so a statement that leaves out an entry the run needs cannot be proven, and the statement's
subset is bound like the rest of it.  The gain is the trace height of a long contract running a
short path (a compiled Vyper ERC-20 transfer: 4,096 rows with every entry, 512 with its own).
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

from circuits.vm import layout as L
from circuits.vm.air import VmAir
from circuits.vm.tables import table_parts
from circuits.vm.witness import set_multiplicities
from l2.evm_prove import _decode_statement, record_run, witness_for
from prover.stark import prove
from verifier.errors import VerificationError
from verifier.proof import ProofOptions
from verifier.stark import verify

vyper = pytest.importorskip("vyper")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "vm"))
from vm_contracts import compile_contract  # noqa: E402

FAST = ProofOptions(blowup=8, num_queries=24, grinding_bits=4, fri_remainder_log=2)
AIR = VmAir()
CALLER = bytes.fromhex("ca11e70000000000000000000000000000000001")
TRANSFER = bytes.fromhex("a9059cbb") + (0x42).to_bytes(32, "big") + (0).to_bytes(32, "big")


@pytest.fixture(scope="module")
def erc20():
    """(runtime, trace matrix, statement) of an ERC-20 transfer of 0 tokens (reads, hashes, logs)."""
    _init, runtime = compile_contract("token")
    trace = record_run(runtime, TRANSFER, 1_000_000, 0, CALLER)
    matrix, statement = witness_for(runtime, 1_000_000, trace)
    return runtime, trace, matrix, statement


def test_the_table_holds_the_pcs_the_run_executes(erc20):
    runtime, trace, matrix, statement = erc20
    assert statement.pcs == tuple(sorted({s.pc for s in trace.steps}))
    assert len(statement.pcs) < len(runtime) // 4 and statement.code_words is not None
    full = table_parts(runtime, env=statement.environment)
    assert len(full["code"]) == len(runtime) + 33
    assert matrix.shape[0] == 512                        # 4,096 rows when the table holds every entry
    assert len(statement.and_keys) < 16 and statement.calldata_words == (0, 4, 36)
    assert _decode_statement(statement.to_bytes()) == statement


def test_an_honest_proof_verifies_with_its_subset(erc20):
    _, _, matrix, statement = erc20
    verify(AIR, prove(AIR, matrix, statement, FAST), statement, min_security=0)


def test_the_subset_is_bound(erc20):
    _, _, matrix, statement = erc20
    proof = prove(AIR, matrix, statement, FAST)
    for other in (dataclasses.replace(statement, pcs=None), dataclasses.replace(statement, pcs=statement.pcs[:-1]),
                  dataclasses.replace(statement, code_words=None), dataclasses.replace(statement, and_keys=None),
                  dataclasses.replace(statement, calldata_words=statement.calldata_words[1:])):
        with pytest.raises(VerificationError):
            verify(AIR, proof, other, min_security=0)


def test_leaving_out_an_executed_pc_cannot_be_proven(erc20):
    """A cheating prover whose table lacks the entry of a pc it executes: that row's lookup finds
    nothing, the bus does not balance, the proof is refused."""
    runtime, _, matrix, statement = erc20
    dropped = statement.pcs[len(statement.pcs) // 2]
    short = dataclasses.replace(statement, pcs=tuple(p for p in statement.pcs if p != dropped))
    cheat = matrix.copy()
    parts = table_parts(runtime, env=statement.environment, storage=statement.storage, hashes=statement.hashes,
                        logs=statement.logs, subset=short.subset, output=statement.output,
                        output_offset=statement.output_offset)
    entries = np.concatenate(list(parts.values()))
    cheat[:, L.T_E:L.T_ONE + 1] = 0
    cheat[:, L.T_F:L.T_F + L.T_FIELDS] = 0
    cheat[:len(entries), L.T_E] = 1
    cheat[:len(entries), L.T_F:L.T_F + L.T_FIELDS] = entries[:, :L.T_FIELDS]
    cheat[:len(entries), L.T_ONE] = entries[:, L.T_FIELDS]
    set_multiplicities(cheat, runtime, statement.output_offset, statement.output, statement.environment,
                       statement.storage, statement.hashes, statement.logs, short.subset)
    proof = prove(AIR, cheat, short, FAST, check=False)
    with pytest.raises(VerificationError):
        verify(AIR, proof, short, min_security=0)


@pytest.mark.parametrize("bad", [dict(pcs=(3, 2)), dict(pcs=(1, 1)), dict(pcs=(10**6,)), dict(code_words=(-1,)),
                                 dict(and_keys=(256,)), dict(and_keys=(5, 4)), dict(calldata_words=(10**6,))])
def test_malformed_subsets_are_refused(erc20, bad):
    _, _, _, statement = erc20
    with pytest.raises(ValueError):
        dataclasses.replace(statement, **bad)
