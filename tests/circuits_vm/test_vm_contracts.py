"""Compiled Vyper contracts prove and verify, and their proofs bind every public input.

Two contracts from ``tests/contracts`` are compiled for Cancun: ``vault.vy`` (uint256 and address
storage, a fixed-size storage array, checked arithmetic, asserts with reason strings, ``Bytes`` and
``DynArray`` arguments, a tuple return) and ``board.vy`` (a ``String`` and a ``DynArray`` in storage, an
internal function, ``min``/``max``). Each is deployed by running its initcode (the constructor, then
CODECOPY and RETURN of the runtime) and driven by a sequence of calls, each starting from the storage
the previous steps left. Every run, proven or not, stays inside the opcodes the execution circuit
proves. The proven runs verify from the proof file alone, and the statement each file carries —
output, status, gas used, refund, calldata, caller, the storage read and written — is what the VM
reports for the same call. Re-encoding a file with one public input changed makes verification fail.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import pytest

vyper = pytest.importorskip("vyper")

from Crypto.Hash import keccak  # noqa: E402
from eth_abi import decode, encode  # noqa: E402
from vyper.compiler.settings import Settings  # noqa: E402

from circuits.vm.air import VmStatement  # noqa: E402
from circuits.vm.opcodes import REVERTED, SUCCESS  # noqa: E402
from circuits.vm.proven import unproven_steps  # noqa: E402
from l2.evm_cli import run_code  # noqa: E402
from l2.evm_prove import decode_file, encode_file, prove_code, record_run, verify_bytes, verify_file  # noqa: E402
from verifier.errors import VerificationError  # noqa: E402

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"
GAS = 1_000_000
OWNER = bytes.fromhex("00000000000000000000000000000000000a11ce")
STRANGER = bytes.fromhex("000000000000000000000000000000000000b0b0")
CAP = 1000
CHECKSUM_DATA = b"proven by the execution circuit"
CHECKSUM_WORDS = [7, 2**256 - 1, 0xABCDEF]


@lru_cache(maxsize=None)
def compile_contract(name: str) -> tuple[bytes, bytes]:
    """(initcode, runtime code) of ``tests/contracts/<name>.vy`` for Cancun."""
    source = (CONTRACTS / f"{name}.vy").read_text()
    out = vyper.compile_code(source, output_formats=["bytecode", "bytecode_runtime"],
                             settings=Settings(evm_version="cancun"))
    return bytes.fromhex(out["bytecode"][2:]), bytes.fromhex(out["bytecode_runtime"][2:])


def calldata(signature: str, *args: Any) -> bytes:
    """The 4-byte selector of ``signature`` followed by its ABI-encoded arguments."""
    types = [t for t in signature[signature.index("(") + 1:-1].split(",") if t]
    return keccak.new(digest_bits=256, data=signature.encode()).digest()[:4] + encode(types, list(args))


def revert_reason(text: str) -> bytes:
    """What a failed ``assert ..., text`` returns: ``Error(string)`` with the reason."""
    return calldata("Error(string)", text)


def words(hex_map: dict[str, str]) -> dict[int, int]:
    return {int(slot, 16): int(value, 16) for slot, value in hex_map.items()}


@dataclass(frozen=True)
class Step:
    """One message call of a contract: its inputs, what the VM reported and, when proven, the proof file."""

    code: bytes
    input: bytes
    caller: bytes
    storage_before: dict[int, int]
    vm: dict[str, Any]
    unproven: list[tuple[str, int]]
    steps: int
    proof: bytes | None = None
    report: dict[str, Any] | None = None
    statement: dict[str, Any] | None = None

    @property
    def status(self) -> str:
        return self.vm["status"]

    @property
    def output(self) -> bytes:
        return bytes.fromhex(self.vm["output"][2:])

    def returned(self, *types: str) -> tuple:
        return decode(list(types), self.output)

    def proven_storage_after(self) -> dict[int, int]:
        """The storage after the call as the statement states it: the slots it wrote over the rest."""
        assert self.statement is not None
        after = {**self.storage_before, **words(self.statement["storage_final"])}
        return {slot: value for slot, value in after.items() if value}


class Driver:
    """Runs one contract's calls in order, each from the storage the previous successful call left."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.storage: dict[int, int] = {}
        self.steps: dict[str, Step] = {}

    def call(self, name: str, code: bytes, input: bytes = b"", caller: bytes = OWNER, prove: bool = False) -> Step:
        before = dict(self.storage)
        vm = run_code(code, input, GAS, 0, caller, before)
        trace = record_run(code, input, GAS, 0, caller, before)
        step = Step(code, input, caller, before, vm, unproven_steps(trace), len(trace))
        if prove:
            out = self.directory / f"{name}.proof"
            report = prove_code(code, input, GAS, 0, caller, before, out=out)
            step = replace(step, proof=out.read_bytes(), report=report, statement=verify_file(out))
        self.steps[name] = step
        if step.status == "success":
            # a proven call hands on the storage its statement exposes, any other the VM's
            self.storage = step.proven_storage_after() if prove else words(vm["storage"])
        return step


@pytest.fixture(scope="module")
def vault(tmp_path_factory) -> dict[str, Step]:
    init, runtime = compile_contract("vault")
    d = Driver(tmp_path_factory.mktemp("vault"))
    d.call("deploy", init + encode(["uint256"], [CAP]), prove=True)
    d.call("deposit", runtime, calldata("deposit(uint256)", 300), prove=True)
    d.call("deposit more", runtime, calldata("deposit(uint256)", 500))
    d.call("over the cap", runtime, calldata("deposit(uint256)", 500), prove=True)
    d.call("empty deposit", runtime, calldata("deposit(uint256)", 0))
    d.call("withdraw", runtime, calldata("withdraw(uint256)", 100), prove=True)
    d.call("withdraw by a stranger", runtime, calldata("withdraw(uint256)", 1), caller=STRANGER)
    d.call("overdraw", runtime, calldata("withdraw(uint256)", 10**6))
    d.call("scaled", runtime, calldata("scaled(uint256,uint256)", 3, 7), prove=True)
    d.call("scaled overflow", runtime, calldata("scaled(uint256,uint256)", 2**255, 1))
    d.call("scaled by zero", runtime, calldata("scaled(uint256,uint256)", 1, 0))
    d.call("checksum", runtime, calldata("checksum(bytes,uint256[])", CHECKSUM_DATA, CHECKSUM_WORDS), prove=True)
    d.call("checksum too long", runtime, calldata("checksum(bytes,uint256[])", b"", [1] * 5))
    for getter in ("owner()", "cap()", "total()", "deposits()"):
        d.call(getter, runtime, calldata(getter))
    d.call("recent(1)", runtime, calldata("recent(uint256)", 1))
    d.call("recent(4)", runtime, calldata("recent(uint256)", 4))
    return d.steps


@pytest.fixture(scope="module")
def board(tmp_path_factory) -> dict[str, Step]:
    init, runtime = compile_contract("board")
    d = Driver(tmp_path_factory.mktemp("board"))
    d.call("deploy", init + encode(["string"], ["scores"]), prove=True)
    d.call("push", runtime, calldata("push(uint256)", 30), prove=True)
    d.call("push capped", runtime, calldata("push(uint256)", 10**9))
    d.call("pop", runtime, calldata("pop()"), prove=True)
    d.call("push again", runtime, calldata("push(uint256)", 12))
    d.call("total", runtime, calldata("total()"), prove=True)
    d.call("rename", runtime, calldata("rename(string)", "high scores"), prove=True)
    d.call("rename to empty", runtime, calldata("rename(string)", ""))
    d.call("pop twice", runtime, calldata("pop()"))
    d.call("pop thrice", runtime, calldata("pop()"))
    d.call("pop empty", runtime, calldata("pop()"))
    for getter in ("title()", "best()"):
        d.call(getter, runtime, calldata(getter))
    d.call("scores(0)", runtime, calldata("scores(uint256)", 0))
    return d.steps


@pytest.fixture(params=["vault", "board"])
def contract(request) -> tuple[str, dict[str, Step]]:
    return request.param, request.getfixturevalue(request.param)


def proven(steps: dict[str, Step]) -> dict[str, Step]:
    return {name: step for name, step in steps.items() if step.proof is not None}


# ---- what the contracts do ------------------------------------------------------------------------

def test_every_run_stays_inside_the_proven_set(contract):
    _, steps = contract
    assert {name: step.unproven for name, step in steps.items() if step.unproven} == {}
    assert {step.status for step in steps.values()} == {"success", "revert"}


def test_vault_behaves_as_written(vault):
    assert vault["deposit"].returned("uint256") == (300,)
    assert vault["deposit more"].returned("uint256") == (800,)
    assert vault["over the cap"].output == revert_reason("over the cap")
    assert vault["empty deposit"].output == revert_reason("empty deposit")
    assert vault["withdraw"].returned("uint256") == (700,)
    assert vault["withdraw by a stranger"].output == revert_reason("not the owner")
    # checked arithmetic: underflow, overflow and division by zero revert without a reason
    for name in ("overdraw", "scaled overflow", "scaled by zero", "checksum too long", "recent(4)"):
        assert (vault[name].status, vault[name].output) == ("revert", b""), name
    assert vault["scaled"].returned("uint256") == (700 * 3 // 7,)
    acc = len(CHECKSUM_DATA)
    for w in CHECKSUM_WORDS:
        acc = ((acc << 16) | (acc >> 240)) % 2**256 ^ w
    assert vault["checksum"].returned("uint256", "bytes") == (acc, CHECKSUM_DATA)
    assert vault["owner()"].returned("address") == ("0x" + OWNER.hex(),)
    assert [vault[g].returned("uint256")[0] for g in ("cap()", "total()", "deposits()", "recent(1)")] == \
        [CAP, 700, 2, 500]


def test_board_behaves_as_written(board):
    assert board["push"].returned("uint256") == (1,)
    assert board["push capped"].returned("uint256") == (2,)
    assert board["pop"].returned("uint256") == (10**6,)
    assert board["total"].returned("uint256") == (30 + 12,)
    assert board["rename"].returned("string") == ("scores",)
    assert board["rename to empty"].output == revert_reason("empty title")
    assert [board[n].returned("uint256")[0] for n in ("pop twice", "pop thrice")] == [12, 30]
    assert (board["pop empty"].status, board["scores(0)"].status) == ("revert", "revert")
    assert board["title()"].returned("string") == ("high scores",)
    assert board["best()"].returned("uint256") == (10**6,)


# ---- proofs ---------------------------------------------------------------------------------------

def test_deployment_proves_and_returns_the_runtime(contract):
    name, steps = contract
    init, runtime = compile_contract(name)
    deploy = steps["deploy"]
    statement = verify_bytes(deploy.proof)
    assert statement["status"] == "success" and statement["storage_initial"].keys() == statement["storage_final"].keys()
    assert bytes.fromhex(statement["code"][2:]) == deploy.code and deploy.code.startswith(init)
    assert bytes.fromhex(statement["output"][2:]) == runtime
    # the constructor's writes are the contract's whole storage afterwards
    assert deploy.proven_storage_after() == words(deploy.vm["storage"]) != {}


def test_proven_calls_match_the_vm(contract):
    name, steps = contract
    calls = proven(steps)
    expected = {"vault": {"deploy", "deposit", "over the cap", "withdraw", "scaled", "checksum"},
                "board": {"deploy", "push", "pop", "total", "rename"}}[name]
    assert set(calls) == expected
    for call_name, step in calls.items():
        statement, vm = step.statement, step.vm
        assert statement == verify_bytes(step.proof), call_name
        assert (statement["status"], statement["output"], statement["gas_used"], statement["refund"]) == \
            (vm["status"], vm["output"], vm["gas_used"], vm["gas_refund"]), call_name
        assert bytes.fromhex(statement["code"][2:]) == step.code
        assert bytes.fromhex(statement["calldata"][2:]) == step.input
        assert bytes.fromhex(statement["caller"][2:]) == step.caller and statement["gas_limit"] == GAS
        assert step.report["steps"] == step.steps
        # the slots the run touched start with the values the previous calls left
        initial = words(statement["storage_initial"])
        assert all(step.storage_before.get(slot, 0) == value for slot, value in initial.items())
        if step.status == "success":
            assert words(statement["storage_final"]).keys() == initial.keys()
            assert step.proven_storage_after() == words(vm["storage"]), call_name
        else:
            assert statement["storage_final"] == {} and words(vm["storage"]) == step.storage_before


def test_failed_assert_proves_as_reverted(vault):
    step = vault["over the cap"]
    statement = verify_bytes(step.proof)
    assert statement["status"] == "revert" and statement["refund"] == 0
    assert bytes.fromhex(statement["output"][2:]) == revert_reason("over the cap")
    assert 0 < statement["gas_used"] < GAS // 10  # a revert hands the rest of the gas back
    # it read the total and the cap and wrote nothing
    assert words(statement["storage_initial"]) == {1: CAP, 2: 800} and statement["storage_final"] == {}


# ---- every public input is bound ------------------------------------------------------------------

def restated(data: bytes, change: Callable[[VmStatement], dict[str, Any]]) -> bytes:
    """The proof file with its statement re-encoded after ``change`` (same proof bytes).

    The result reads back as exactly the changed statement, so a refusal is the proof's, not the parser's.
    """
    statement, proof = decode_file(data)
    changed = replace(statement, **change(statement))
    out = encode_file(changed, proof)
    assert decode_file(out) == (changed, proof)
    return out


def bump_value(pairs: tuple[tuple[int, int], ...], slot: int) -> tuple[tuple[int, int], ...]:
    return tuple((s, v + 1 if s == slot else v) for s, v in pairs)


# deposit(300) as the first deposit: reads the cap (slot 1), writes total (2), deposits (3) and recent[0] (4)
SUCCESS_CHANGES: dict[str, Callable[[VmStatement], dict[str, Any]]] = {
    "output": lambda s: {"output": s.output[:-1] + bytes([s.output[-1] ^ 1])},
    "longer output": lambda s: {"output": s.output + b"\x00"},
    "final storage value": lambda s: {"storage_final": bump_value(s.storage_final, 2)},
    "initial storage value": lambda s: {"storage_initial": bump_value(s.storage_initial, 3)},
    "a slot left out": lambda s: {"storage_initial": s.storage_initial[:-1], "storage_final": s.storage_final[:-1]},
    "gas used + 1": lambda s: {"gas_used": s.gas_used + 1},
    "gas used - 1": lambda s: {"gas_used": s.gas_used - 1},
    "gas limit": lambda s: {"gas_limit": s.gas_limit + 1},
    "refund": lambda s: {"refund": s.refund + 4800},
    "status": lambda s: {"status": REVERTED, "storage_final": (), "refund": 0},
    "calldata argument": lambda s: {"calldata": calldata("deposit(uint256)", 301)},
    "calldata selector": lambda s: {"calldata": calldata("withdraw(uint256)", 300)},
    "caller": lambda s: {"caller": STRANGER},
    "value": lambda s: {"value": 1},
    "code": lambda s: {"code": s.code[:-1] + bytes([s.code[-1] ^ 1])},
}

# the failed assert: claims that it succeeded leaving storage as it was, or returned another reason
REVERT_CHANGES: dict[str, Callable[[VmStatement], dict[str, Any]]] = {
    "status": lambda s: {"status": SUCCESS, "storage_final": s.storage_initial},
    "output": lambda s: {"output": revert_reason("over the cap!")},
    "initial storage value": lambda s: {"storage_initial": bump_value(s.storage_initial, 2)},
    "gas used": lambda s: {"gas_used": s.gas_used - 3},
}


def test_restating_the_same_statement_verifies(vault):
    for name in ("deposit", "over the cap"):
        data = vault[name].proof
        assert restated(data, lambda s: {}) == data
        assert verify_bytes(data)["calldata"] == "0x" + vault[name].input.hex()


def test_each_change_makes_a_different_well_formed_statement(vault):
    for name, changes in (("deposit", SUCCESS_CHANGES), ("over the cap", REVERT_CHANGES)):
        statement, _ = decode_file(vault[name].proof)
        for change_name, change in changes.items():
            # replace() re-checks the statement's own rules, so each change is one a prover could claim
            assert replace(statement, **change(statement)) != statement, change_name
    statement, _ = decode_file(vault["deposit"].proof)
    assert [s for s, _ in statement.storage_initial] == [1, 2, 3, 4] and statement.status == SUCCESS


@pytest.mark.parametrize("change", SUCCESS_CHANGES, ids=str)
def test_changed_public_input_of_a_call_is_refused(vault, change):
    with pytest.raises(VerificationError):
        verify_bytes(restated(vault["deposit"].proof, SUCCESS_CHANGES[change]))


@pytest.mark.parametrize("change", REVERT_CHANGES, ids=str)
def test_changed_public_input_of_a_revert_is_refused(vault, change):
    with pytest.raises(VerificationError):
        verify_bytes(restated(vault["over the cap"].proof, REVERT_CHANGES[change]))


def test_changed_constructor_output_is_refused(board):
    runtime = compile_contract("board")[1]
    with pytest.raises(VerificationError):
        verify_bytes(restated(board["deploy"].proof, lambda s: {"output": runtime[:-1] + bytes([runtime[-1] ^ 1])}))
