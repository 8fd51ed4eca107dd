"""KECCAK256 and LOG0–LOG4 in the execution circuit: honest runs of every size and shape satisfy every
constraint and prove; the statement lists exactly the hashes and logs of the run and its bytes are
strictly encoded; what the circuit does not prove is refused with the opcode and pc.

The cheats (a changed message byte, digest bit, topic or data byte, a dropped, added or reordered
hash or log, a wrong pushed digest, an underpaid word) are in the soundness catalogue
(``test_vm_soundness.py``), with the coverage table of every constraint.
"""

from __future__ import annotations

import random
import struct
from dataclasses import replace

import numpy as np
import pytest
from circuit_programs import push, push32
from Crypto.Hash import keccak

from circuits.air import find_violations
from circuits.extension import Ext
from circuits.vm import layout as L
from circuits.vm.air import VmAir
from circuits.vm.opcodes import Group
from circuits.vm.proven import PROVEN_OPCODES, unproven_steps
from l2.evm_cli import run_code
from l2.evm_prove import EvmProofError, _decode_statement, prove_code, record_run, witness_for
from verifier.errors import VerificationError
from verifier.proof import ProofOptions

AIR = VmAir()
GAS = 1_000_000
FAST = ProofOptions(blowup=8, num_queries=24, grinding_bits=4, fri_remainder_log=2)
KECCAK, LOG0, MSTORE, POP, STOP, REVERT, MSIZE = b"\x20", 0xA0, b"\x52", b"\x50", b"\x00", b"\xfd", b"\x59"


def digest_of(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


def honest(code: bytes, gas: int = GAS):
    trace = record_run(code, gas=gas)
    matrix, statement = witness_for(code, gas, trace)
    return trace, matrix, statement


def assert_satisfied(matrix, statement):
    rng = random.Random(3)
    chal = [Ext([rng.randrange(2**31) for _ in range(5)]) for _ in range(2)]
    aux = AIR.build_aux_trace(matrix, chal, statement)
    assert find_violations(AIR, matrix, statement, aux, chal, limit=5) == []


def fill_memory(words: int) -> bytes:
    """MSTOREs of distinct non-zero patterns over memory words 0 … words − 1."""
    return b"".join(push32(int.from_bytes(bytes((7 * i + j + 1) % 256 for j in range(32)), "big")) + push(32 * i)
                    + MSTORE for i in range(words))


def keccak_at(offset: int, size: int) -> bytes:
    return push(size) + push(offset) + KECCAK + POP


def log_n(n: int, offset: int, size: int, topics: list[int]) -> bytes:
    return b"".join(push32(t) for t in reversed(topics[:n])) + push(size) + push(offset) + bytes([LOG0 + n])


TOPICS = [2**256 - 1, 2**255 + 3, 0xDEADBEEF << 200, 1]
"""Full 256-bit topic words."""
SIZES = [(3, 0), (5, 1), (7, 31), (1, 32), (9, 33), (11, 64), (2, 136), (13, 137), (17, 300)]
"""(offset, size) of the KECCAK256s of every shape: empty, a byte, a byte short of a word, a word, a word
and a byte, two words, a rate block, a block and a byte, a long one — all at unaligned offsets."""


def read_regions(trace, opcode_range) -> list[bytes]:
    """The bytes each completing step of these opcodes read, as the VM recorded them."""
    out = []
    for s in trace.steps:
        if s.opcode in opcode_range and s.error is None:
            out.append(s.memory_accesses[0].data if s.memory_accesses else b"")
    return out


# ---- KECCAK256 -------------------------------------------------------------------------------------

def test_keccak256_is_proven():
    assert 0x20 in PROVEN_OPCODES and all(b in PROVEN_OPCODES for b in range(0xA0, 0xA5))


def test_keccak_of_every_size_satisfies_every_constraint():
    # the last KECCAK256 reads past the memory the stores touched: it expands memory (MSIZE shows it)
    code = (fill_memory(11) + b"".join(keccak_at(o, s) for o, s in SIZES) + keccak_at(700, 40) + MSIZE + POP + STOP)
    trace, matrix, statement = honest(code)
    assert trace.result.status == "success"
    messages = read_regions(trace, (0x20,))
    assert [len(m) for m in messages] == [s for _, s in SIZES] + [40]
    assert statement.hash_messages() == messages
    assert [d for _, _, d in statement.hashes] == [digest_of(m) for m in messages]
    pushed = [s.pushes[0] for s in trace.steps if s.opcode == 0x20]
    assert pushed == [int.from_bytes(d, "big") for _, _, d in statement.hashes]
    rows = np.nonzero(matrix[:, L.sel(Group.KECCAK256)] == 1)[0]
    assert [k for k, _, _ in statement.hashes] == list(rows)
    assert [s.pushes[0] for s in trace.steps if s.opcode == 0x59] == [32 * ((700 + 40 + 31) // 32)]
    assert_satisfied(matrix, statement)


def test_keccak_in_a_loop_proves_and_verifies():
    # c = 5; do { mem[c] = keccak(mem[c : c + 40]); c -= 1 } while c
    code = (push(5) + b"\x5b" + push(40) + b"\x81" + KECCAK + b"\x81" + MSTORE + push(1) + b"\x90\x03"
            + b"\x80" + push(2) + b"\x57" + POP + STOP)
    report = prove_code(code, gas=50_000, options=FAST)
    assert report["status"] == "success" and len(report["hashes"]) == 5
    trace = record_run(code, gas=50_000)
    assert [h["message"] for h in report["hashes"]] == ["0x" + m.hex() for m in read_regions(trace, (0x20,))]
    assert len({h["message"] for h in report["hashes"]}) == 5  # each reads what the one before wrote


def test_rows_of_a_64_byte_keccak():
    """A 64-byte KECCAK256: its row and two word units on the CPU, a memory access (3 rows) per unit."""
    code = fill_memory(3) + keccak_at(5, 64) + STOP
    _, matrix, statement = honest(code)
    k = int(np.nonzero(matrix[:, L.sel(Group.KECCAK256)] == 1)[0][0])
    units = np.nonzero(matrix[:, L.KHASH] == 1)[0]
    assert list(units) == [k + 1, k + 2] and matrix[k + 3, L.sel(Group.POP)] == 1
    assert int(matrix[:, L.CH_MLD].sum()) == 2  # one memory chiplet instance (M0, M1, M2) per unit
    assert [int(matrix[u, L.UGAS]) for u in units] == [6, 6]


def test_keccak_proves_and_its_statement_is_bound():
    """The execution proof binds every hash: a changed digest or message byte, a dropped, added or
    re-keyed hash is refused by the execution table's verifier."""
    from prover.stark import prove
    from verifier.stark import verify
    code = fill_memory(2) + keccak_at(3, 33) + keccak_at(0, 0) + STOP
    trace, matrix, statement = honest(code, 30_000)
    proof = prove(AIR, matrix, statement, FAST).to_bytes()
    verify(AIR, proof, statement, min_security=0)
    (k1, m1, d1), (k2, m2, d2) = statement.hashes
    flipped = bytes([d1[0] ^ 1]) + d1[1:]
    for bad in [((k1, m1, flipped), (k2, m2, d2)), ((k1, m1[:-1] + b"\x00", d1), (k2, m2, d2)),
                ((k1, m1, d1),), ((k1, m1, d1), (k2, m2, d2), (k2 + 1, b"", digest_of(b""))),
                ((k1 + 1, m1, d1), (k2, m2, d2))]:
        with pytest.raises(VerificationError):
            verify(AIR, proof, replace(statement, hashes=bad), min_security=0)


# ---- LOG -------------------------------------------------------------------------------------------

LOG_PROGRAM = (fill_memory(3) + log_n(0, 7, 0, TOPICS) + log_n(1, 9, 1, TOPICS) + log_n(2, 1, 33, TOPICS)
               + log_n(3, 3, 33, TOPICS) + log_n(4, 40, 1, TOPICS) + log_n(0, 50, 33, TOPICS) + STOP)
"""LOG0 … LOG4 with data of 0, 1 and 33 bytes at unaligned offsets and full-word topics."""


def test_logs_prove_and_report_what_the_run_emits():
    report = prove_code(LOG_PROGRAM, gas=GAS, options=FAST)
    run = run_code(LOG_PROGRAM, gas=GAS)
    assert report["logs"] == run["logs"] and len(run["logs"]) == 6
    assert [len(log["topics"]) for log in run["logs"]] == [0, 1, 2, 3, 4, 0]
    assert run["logs"][4]["topics"] == [hex(t) for t in TOPICS]


def test_logs_satisfy_every_constraint_and_list_the_run():
    trace, matrix, statement = honest(LOG_PROGRAM)
    assert [tuple(t) for _, t, _ in statement.logs] == [tuple(TOPICS[:n]) for n in (0, 1, 2, 3, 4, 0)]
    assert [d for _, _, d in statement.logs] == read_regions(trace, range(0xA0, 0xA5))
    assert [k for k, _, _ in statement.logs] == list(np.nonzero(matrix[:, L.sel(Group.LOG)] == 1)[0])
    assert int(matrix[:, L.sel(Group.LOGTOPIC)].sum()) == 10
    assert_satisfied(matrix, statement)


def test_a_reverted_run_lists_its_logs_but_emits_none():
    code = fill_memory(1) + log_n(2, 4, 33, TOPICS) + push(0) + push(0) + REVERT
    _, matrix, statement = honest(code)
    assert statement.status == 2 and len(statement.logs) == 1 and len(statement.logs[0][2]) == 33
    assert_satisfied(matrix, statement)
    report = prove_code(code, gas=GAS, options=FAST)
    assert report["logs"] == run_code(code, gas=GAS)["logs"] == []
    assert len(report["logs"]) == 0 and report["status"] == "revert"


# ---- failing steps, large operands, refusals -------------------------------------------------------

@pytest.mark.parametrize("code,gas,status", [
    (push(32) + push(0) + KECCAK, 5 + 29, "error"),                        # KECCAK256 without its 30 gas
    (push(0) + push(0) + bytes([0xA0]), 4 + 374, "error"),                  # LOG0 without its 375 gas
    (push(1) + push(0) + push(0) + bytes([0xA2]), GAS, "error"),            # LOG2 with 3 words: underflow
    (push(1) + KECCAK, GAS, "error"),                                       # KECCAK256 with 1 word
    (push(0) + push32(2**255) + KECCAK + POP + STOP, GAS, "success"),       # size 0 at any offset
    (push(0) + push32(2**200) + bytes([0xA0]) + STOP, GAS, "success"),      # LOG0 of nothing at 2^200
])
def test_failing_and_empty_reads_satisfy_every_constraint(code, gas, status):
    trace, matrix, statement = honest(code, gas)
    assert trace.result.status == status
    assert_satisfied(matrix, statement)


@pytest.mark.parametrize("code,needle,gas", [
    (push(64) + push(0) + KECCAK, "KECCAK256 (out of gas beyond its static cost) at pc 3", 5 + 31),
    (push(0) + push(0) + push(0) + bytes([0xA1]), "LOG1 (out of gas beyond its static cost) at pc 3", 6 + 375),
    (push(2**24) + push(0) + KECCAK, "KECCAK256 (memory offset or size of 2^24 or more) at pc 6", 10**9),
    (push(1) + push(2**24) + bytes([0xA0]), "LOG0 (memory offset or size of 2^24 or more) at pc 7", 10**9),
])
def test_unprovable_reads_are_refused_with_opcode_and_pc(code, needle, gas):
    assert needle in [f"{name} at pc {pc}" for name, pc in unproven_steps(record_run(code, gas=gas))]
    with pytest.raises(EvmProofError, match=needle.replace("(", r"\(").replace(")", r"\)").replace("^", r"\^")):
        prove_code(code, gas=gas, options=FAST)


# ---- the statement ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def statement():
    code = fill_memory(2) + keccak_at(3, 37) + log_n(2, 1, 33, TOPICS) + log_n(0, 0, 0, TOPICS) + STOP
    return honest(code)[2]


def test_statement_round_trips_and_decodes_strictly(statement):
    data = statement.to_bytes()
    assert _decode_statement(data) == statement
    from circuits.vm.air import _encode_subset
    from circuits.vm.call_record import encode_call
    st = statement  # what follows the logs: entry subsets, self balance, accounts, transient slots, subsets
    subsets = (len(_encode_subset(st.pcs)) + len(_encode_subset(st.code_words)) + 32 + 4 + 88 * len(st.accounts)
               + 4 + 32 * len(st.transient_slots) + len(_encode_subset(st.and_keys))
               + len(_encode_subset(st.calldata_words)) + 4 + 8 * len(st.returndata_sizes) + 4
               + sum(len(encode_call(c)) for c in st.calls) + 1 + 4 + 1)
    tail = len(data) - subsets - sum(8 + len(m) + 32 for _, m, _ in statement.hashes) - 4 \
        - sum(9 + 32 * len(t) + len(d) for _, t, d in statement.logs) - 4
    for cut in range(tail, len(data)):
        with pytest.raises(EvmProofError):
            _decode_statement(data[:cut])
    with pytest.raises(EvmProofError):
        _decode_statement(data + b"\x00")
    logs_at = len(data) - subsets - sum(9 + 32 * len(t) + len(d) for _, t, d in statement.logs) - 4
    five = bytearray(data)
    five[logs_at + 4 + 4] = 5  # the first log claims five topics
    with pytest.raises(EvmProofError):
        _decode_statement(bytes(five))
    keys = bytearray(data)
    struct.pack_into("<I", keys, logs_at + 4, statement.logs[1][0] + 1)  # keys no longer increase
    with pytest.raises(EvmProofError):
        _decode_statement(bytes(keys))


def test_statement_fields_are_validated(statement):
    st = statement
    assert st.hash_messages() == [m for _, m, _ in st.hashes] and len(st.hash_messages()) == 1
    bad = [{"hashes": ((1, b"", bytes(31)),)}, {"hashes": ((2, b"", bytes(32)), (1, b"", bytes(32)))},
           {"hashes": ((-1, b"", bytes(32)),)}, {"logs": ((1, (1, 2, 3, 4, 5), b""),)},
           {"logs": ((1, (2**256,), b""),)}, {"logs": ((3, (), b""), (3, (), b""))}]
    for change in bad:
        with pytest.raises(ValueError):
            replace(st, **change)
    listed = st.as_dict()
    assert listed["hashes"][0]["digest"] == "0x" + st.hashes[0][2].hex()
    assert listed["logs"][0]["topics"] == [hex(t) for t in TOPICS[:2]]


def test_prove_command_prints_the_logs_as_run_does(tmp_path):
    import typer
    from typer.testing import CliRunner

    from l2.evm_cli import evm_app
    from l2.evm_prove import evm_prove_app
    code = "0x" + (fill_memory(1) + log_n(2, 3, 4, TOPICS) + STOP).hex()
    app = typer.Typer()
    app.add_typer(evm_prove_app, name="prove-app")
    app.add_typer(evm_app, name="run-app")
    runner = CliRunner()
    proved = runner.invoke(app, ["prove-app", "prove", "--code", code, "--out", str(tmp_path / "p.proof")])
    ran = runner.invoke(app, ["run-app", "run", "--code", code])
    assert proved.exit_code == 0 and ran.exit_code == 0, proved.output
    logs = [line for line in ran.output.splitlines() if line.startswith("log")]
    assert len(logs) == 1 and logs == [line for line in proved.output.splitlines() if line.startswith("log")]
