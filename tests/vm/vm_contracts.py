"""Compile the Vyper test contracts (cached) and encode calls to them."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import vyper
from Crypto.Hash import keccak
from eth_abi import decode, encode
from vyper.compiler.settings import Settings

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"


@lru_cache(maxsize=None)
def compile_contract(name: str) -> tuple[bytes, bytes]:
    """(initcode, runtime code) of ``tests/contracts/<name>.vy`` for Cancun."""
    source = (CONTRACTS / f"{name}.vy").read_text()
    out = vyper.compile_code(
        source, output_formats=["bytecode", "bytecode_runtime"], settings=Settings(evm_version="cancun")
    )
    return bytes.fromhex(out["bytecode"][2:]), bytes.fromhex(out["bytecode_runtime"][2:])


def selector(signature: str) -> bytes:
    return keccak.new(digest_bits=256, data=signature.encode()).digest()[:4]


def event_topic(signature: str) -> int:
    return int.from_bytes(keccak.new(digest_bits=256, data=signature.encode()).digest(), "big")


def calldata(signature: str, *args) -> bytes:
    types = signature[signature.index("(") + 1 : -1]
    type_list = [t for t in types.split(",") if t]
    return selector(signature) + encode(type_list, list(args))


def decode_one(kind: str, output: bytes):
    return decode([kind], output)[0]


def address_hex(address: bytes) -> str:
    return "0x" + address.hex()


TRANSFER = event_topic("Transfer(address,address,uint256)")
APPROVAL = event_topic("Approval(address,address,uint256)")
DEPLOYED = event_topic("Deployed(address)")
