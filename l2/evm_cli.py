"""
``l2 evm``: run EVM bytecode on the rollup's VM
===============================================

``l2 evm run --code 0x6001600101 --json`` runs the code as a contract in a
fresh world state with one message call and prints what happened: status,
output, gas used, refund counter, the contract's storage afterwards, logs
and the number of steps executed.

It is a message call, not a transaction: ``--gas`` is the gas the call
gets (no intrinsic cost is charged, no refund is subtracted), the caller is
funded with exactly ``--value``, ``--storage`` gives the contract's storage
before the call (slots start cold), and the caller and contract addresses
start warm. ``--origin`` (default: the caller), ``--gas-price``, ``--chain-id`` (default 1),
``--number``, ``--timestamp`` and ``--base-fee`` (default 0) set what ORIGIN, GASPRICE, CHAINID,
NUMBER, TIMESTAMP and BASEFEE push. :func:`run_code` does the work and is usable from Python.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional

import typer

from .state.world import Account, WorldState
from .vm import BlockEnv, Message, TxEnv, begin_transaction, process_message_call
from .vm.trace import TraceRecorder

__all__ = ["evm_app", "run_code", "parse_context", "EvmInputError", "DEFAULT_CALLER", "CONTRACT_ADDRESS",
           "DEFAULT_GAS", "DEFAULT_CHAIN_ID"]

DEFAULT_CALLER = (0xCA11E7).to_bytes(20, "big")
CONTRACT_ADDRESS = (0xC0DE).to_bytes(20, "big")
DEFAULT_GAS = 10_000_000
DEFAULT_CHAIN_ID = BlockEnv().chain_id
U256_LIMIT = 1 << 256


class EvmInputError(ValueError):
    """An argument of ``l2 evm run`` that cannot be used (reported in one line)."""


def parse_hex(text: str | bytes, what: str) -> bytes:
    """Bytes from ``0x``-prefixed (or bare) hex; ``0x`` alone is empty."""
    if isinstance(text, (bytes, bytearray)):
        return bytes(text)
    body = text.strip()
    if body[:2].lower() == "0x":
        body = body[2:]
    if len(body) % 2:
        raise EvmInputError(f"{what}: odd number of hex digits")
    try:
        return bytes.fromhex(body)
    except ValueError:
        raise EvmInputError(f"{what}: not hex: {text!r}") from None


def parse_uint(value: str | int, what: str, limit: int = U256_LIMIT) -> int:
    """A non-negative integer below ``limit`` from an int, decimal or ``0x`` hex."""
    if isinstance(value, bool):
        raise EvmInputError(f"{what}: not an integer: {value!r}")
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        try:
            number = int(text, 16) if text[:2].lower() == "0x" else int(text, 10)
        except ValueError:
            raise EvmInputError(f"{what}: not an integer: {value!r}") from None
    if number < 0:
        raise EvmInputError(f"{what}: must not be negative")
    if number >= limit:
        raise EvmInputError(f"{what}: too large")
    return number


def parse_address(value: str | bytes, what: str = "caller") -> bytes:
    raw = parse_hex(value, what)
    if len(raw) != 20:
        raise EvmInputError(f"{what}: an address is 20 bytes (40 hex digits)")
    return raw


def json_object(value: str | Mapping[Any, Any] | None, what: str, shape: str) -> Mapping[Any, Any]:
    """A JSON object given as text (or a mapping already); None is empty.  EvmInputError names
    ``what`` and the expected ``shape`` otherwise."""
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise EvmInputError(f"{what}: bad JSON: {error.msg}") from None
    if not isinstance(value, Mapping):
        raise EvmInputError(f"{what}: expected a JSON object of {shape}")
    return value


def parse_storage(storage: str | Mapping[Any, Any] | None) -> dict[int, int]:
    """Slot → value from a JSON object (or a mapping) of hex/decimal numbers."""
    storage = json_object(storage, "storage", "slot: value")
    out = {}
    for slot, value in storage.items():
        slot_number = parse_uint(slot, "storage slot")
        value_number = parse_uint(value, f"storage value of slot {slot}")
        if value_number:
            out[slot_number] = value_number
    return out


def parse_context(caller: bytes, origin: str | bytes | None = None, gas_price: int | str = 0,
                  chain_id: int | str = DEFAULT_CHAIN_ID, number: int | str = 0, timestamp: int | str = 0,
                  base_fee: int | str = 0) -> tuple[BlockEnv, TxEnv]:
    """The block and transaction values a run sees (ORIGIN, GASPRICE, CHAINID, NUMBER, TIMESTAMP,
    BASEFEE): ``BlockEnv()``'s defaults, and the caller as the origin unless ``origin`` is given."""
    block = BlockEnv(number=parse_uint(number, "number"), timestamp=parse_uint(timestamp, "timestamp"),
                     base_fee=parse_uint(base_fee, "base fee"), chain_id=parse_uint(chain_id, "chain id"))
    sender = caller if origin is None else parse_address(origin, "origin")
    return block, TxEnv(origin=sender, gas_price=parse_uint(gas_price, "gas price"))


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


def _word(value: int) -> str:
    return hex(value)


def run_code(
    code: str | bytes,
    input: str | bytes = b"",
    gas: int | str = DEFAULT_GAS,
    value: int | str = 0,
    caller: str | bytes = DEFAULT_CALLER,
    storage: str | Mapping[Any, Any] | None = None,
    origin: str | bytes | None = None,
    gas_price: int | str = 0,
    chain_id: int | str = DEFAULT_CHAIN_ID,
    number: int | str = 0,
    timestamp: int | str = 0,
    base_fee: int | str = 0,
) -> dict[str, Any]:
    """Run ``code`` as the contract of one message call; return the result as a dict.

    ``origin`` (default: the caller), ``gas_price``, ``chain_id``, ``number``, ``timestamp`` and
    ``base_fee`` are what ORIGIN, GASPRICE, CHAINID, NUMBER, TIMESTAMP and BASEFEE push.

    Keys: ``status`` (success/revert/error), ``output`` (0x-hex),
    ``gas_used`` (gas given minus gas left), ``gas_refund`` (the refund
    counter; 0 unless success), ``storage`` (0x-hex slot → 0x-hex value,
    non-zero slots only, the original storage unless success), ``logs``
    (address, topics, data) and ``steps`` (instructions executed).
    Raises :class:`EvmInputError` for unusable arguments.
    """
    code_bytes = parse_hex(code, "code")
    input_bytes = parse_hex(input, "input")
    gas_limit = parse_uint(gas, "gas", 1 << 64)
    call_value = parse_uint(value, "value")
    caller_address = parse_address(caller)
    original_storage = parse_storage(storage)
    block_env, tx_env = parse_context(caller_address, origin, gas_price, chain_id, number, timestamp, base_fee)
    if caller_address == CONTRACT_ADDRESS:
        raise EvmInputError("caller: must differ from the contract address " + _hex(CONTRACT_ADDRESS))

    state = WorldState(
        {
            caller_address: Account(balance=call_value),
            CONTRACT_ADDRESS: Account(code=code_bytes, storage=original_storage),
        }
    )
    begin_transaction(state, caller_address, CONTRACT_ADDRESS)
    message = Message(
        caller=caller_address,
        target=CONTRACT_ADDRESS,
        current_target=CONTRACT_ADDRESS,
        gas=gas_limit,
        value=call_value,
        data=input_bytes,
        code=code_bytes,
        code_address=CONTRACT_ADDRESS,
    )
    recorder = TraceRecorder()
    result = process_message_call(message, state, block_env, tx_env, recorder)
    final_storage = state.storage_items(CONTRACT_ADDRESS) if result.success else original_storage
    return {
        "status": result.status,
        "output": _hex(result.output),
        "gas_used": gas_limit - result.gas_left,
        "gas_refund": result.refund,
        "storage": {_word(slot): _word(v) for slot, v in sorted(final_storage.items()) if v},
        "logs": [
            {"address": _hex(log.address), "topics": [_word(t) for t in log.topics], "data": _hex(log.data)}
            for log in result.logs
        ],
        "steps": len(recorder.trace),
    }


evm_app = typer.Typer(help="Run EVM bytecode on the rollup's VM.", no_args_is_help=True)


@evm_app.callback()
def _evm() -> None:
    """Run EVM bytecode on the rollup's VM."""


@evm_app.command("run")
def run_command(
    code: str = typer.Option(..., "--code", help="contract bytecode as hex (0x... ; 0x for none)"),
    input: str = typer.Option("0x", "--input", help="calldata as hex"),
    gas: str = typer.Option(str(DEFAULT_GAS), "--gas", help="gas given to the call"),
    value: str = typer.Option("0", "--value", help="wei sent with the call (the caller is funded with it)"),
    caller: str = typer.Option(_hex(DEFAULT_CALLER), "--caller", help="caller address"),
    storage: Optional[str] = typer.Option(None, "--storage", help='original storage as JSON, e.g. {"0x5":"0x10"}'),
    origin: Optional[str] = typer.Option(None, "--origin", help="transaction origin (ORIGIN; default: the caller)"),
    gas_price: str = typer.Option("0", "--gas-price", help="gas price GASPRICE pushes"),
    chain_id: str = typer.Option(str(DEFAULT_CHAIN_ID), "--chain-id", help="chain id CHAINID pushes"),
    number: str = typer.Option("0", "--number", help="block number NUMBER pushes"),
    timestamp: str = typer.Option("0", "--timestamp", help="block timestamp TIMESTAMP pushes"),
    base_fee: str = typer.Option("0", "--base-fee", help="base fee BASEFEE pushes"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Run CODE as a contract with one message call and report the outcome."""
    try:
        report = run_code(code, input, gas, value, caller, storage, origin, gas_price, chain_id, number, timestamp,
                          base_fee)
    except EvmInputError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(report))
        return
    typer.echo(f"status     {report['status']}")
    typer.echo(f"output     {report['output']}")
    typer.echo(f"gas used   {report['gas_used']}  (refund counter {report['gas_refund']})")
    typer.echo(f"steps      {report['steps']}")
    if report["storage"]:
        typer.echo("storage")
        for slot, v in report["storage"].items():
            typer.echo(f"  {slot} = {v}")
    for log in report["logs"]:
        topics = ", ".join(log["topics"])
        typer.echo(f"log        {log['address']} [{topics}] {log['data']}")

