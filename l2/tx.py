"""Ethereum transactions for the L2: types, raw encoding, hashing, signing and stateless checks.

Two transaction types are accepted, both in the exact byte format ``eth_sendRawTransaction`` takes:

* ``LegacyTx`` with EIP-155 replay protection: ``rlp([nonce, gasPrice, gas, to, value, data, v, r, s])``
  with ``v = 2·chainId + 35 + yParity``. Pre-EIP-155 transactions (``v`` = 27 or 28) carry no chain id
  and could be replayed on any chain, so they are refused.
* ``DynamicFeeTx`` (EIP-1559, type 2): ``0x02 || rlp([chainId, nonce, maxPriorityFeePerGas,
  maxFeePerGas, gas, to, value, data, accessList, yParity, r, s])``.

Decoding is strict: one canonical encoding per transaction (minimal integers, minimal RLP lengths, no
trailing bytes), so ``keccak256(raw)`` and ``tx_hash(decode(raw))`` always agree. Every failure is a
``TxError`` (a ``ValueError``) whose message is one short line.

Gas rules follow Shanghai/Cancun: 21000 per transaction, +32000 for a contract creation, 4/16 per
zero/non-zero data byte, 2 per 32-byte word of initcode (EIP-3860), 2400 per access-list address and
1900 per storage key (EIP-2930).

Recovering a sender costs milliseconds (pure-Python secp256k1), so ``validate_static`` returns the sender
it recovered; keep it instead of calling ``sender`` again (repeats are served from a cache, but the
first call of a process pays in full).

This module imports nothing else of the project except ``l2.crypto``: the simulated L1 contract and
the bridge use it to decode and check batch data.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from collections.abc import Iterable
from typing import Any, ClassVar, Union

import rlp
from rlp.exceptions import DecodingError

from l2 import crypto
from l2.crypto import keccak256, to_hex

__all__ = [
    "LEGACY_TX_TYPE",
    "DYNAMIC_FEE_TX_TYPE",
    "MAX_TX_SIZE",
    "MAX_INITCODE_SIZE",
    "TX_BASE_GAS",
    "TX_CREATE_GAS",
    "TX_DATA_ZERO_GAS",
    "TX_DATA_NONZERO_GAS",
    "INITCODE_WORD_GAS",
    "ACCESS_LIST_ADDRESS_GAS",
    "ACCESS_LIST_STORAGE_KEY_GAS",
    "TxError",
    "DecodeError",
    "UnsupportedTxType",
    "TxTooLarge",
    "InvalidField",
    "InvalidSignature",
    "WrongChainId",
    "GasLimitError",
    "FeeError",
    "InitcodeTooLarge",
    "AccessListEntry",
    "LegacyTx",
    "DynamicFeeTx",
    "Transaction",
    "encode",
    "decode",
    "signing_hash",
    "tx_hash",
    "sign",
    "sender",
    "effective_gas_price",
    "priority_fee_per_gas",
    "intrinsic_gas",
    "validate_static",
    "tx_from_dict",
    "Log",
    "Receipt",
]

LEGACY_TX_TYPE = 0
DYNAMIC_FEE_TX_TYPE = 2

MAX_TX_SIZE = 131072  # 128 KiB, the largest raw transaction a node relays (geth's txMaxSize)
MAX_INITCODE_SIZE = 49152  # EIP-3860: 2 · MAX_CODE_SIZE (24576)

TX_BASE_GAS = 21000
TX_CREATE_GAS = 32000
TX_DATA_ZERO_GAS = 4
TX_DATA_NONZERO_GAS = 16  # EIP-2028
INITCODE_WORD_GAS = 2  # EIP-3860
ACCESS_LIST_ADDRESS_GAS = 2400  # EIP-2930
ACCESS_LIST_STORAGE_KEY_GAS = 1900  # EIP-2930

_UINT256_LIMIT = 1 << 256
_UINT64_LIMIT = 1 << 64
# EIP-2681: a nonce is below 2^64 - 1 so that incrementing it never overflows.
_MAX_NONCE = _UINT64_LIMIT - 2
# Chain ids above 2^64 are of no practical use and would let v overflow 256 bits in a legacy tx.
_CHAIN_ID_LIMIT = _UINT64_LIMIT


# ---------------------------------------------------------------------------------------------------
# errors


class TxError(ValueError):
    """Any reason a transaction is refused; the message is one line, fit to print as is."""


class DecodeError(TxError):
    """Raw bytes that are not a well-formed, canonically encoded transaction."""


class UnsupportedTxType(DecodeError):
    """A typed-transaction envelope with a type other than 2."""


class TxTooLarge(TxError):
    """A raw transaction above ``MAX_TX_SIZE`` bytes."""


class InvalidField(TxError):
    """A field with the wrong type or out of its range."""


class InvalidSignature(TxError, crypto.InvalidSignature):
    """A missing signature, or one that recovers no sender."""


class WrongChainId(TxError):
    """A transaction signed for another chain."""


class GasLimitError(TxError):
    """Gas limit below the intrinsic gas or above the block gas limit."""


class FeeError(TxError):
    """Inconsistent fee fields, or fees below the block's base fee."""


class InitcodeTooLarge(TxError):
    """Contract-creation data above ``MAX_INITCODE_SIZE`` (EIP-3860)."""


# ---------------------------------------------------------------------------------------------------
# field checks shared by the transaction types


def _check_uint(name: str, value: Any, limit: int = _UINT256_LIMIT) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidField(f"field '{name}' must be an integer, got {type(value).__name__}")
    if not 0 <= value < limit:
        raise InvalidField(f"field '{name}' out of range: {value}")


def _check_bytes(name: str, value: Any, length: int | None = None) -> bytes:
    if not isinstance(value, (bytes, bytearray)):
        raise InvalidField(f"field '{name}' must be bytes, got {type(value).__name__}")
    if length is not None and len(value) != length:
        raise InvalidField(f"field '{name}' must be {length} bytes, got {len(value)}")
    return bytes(value)


def _check_to(value: Any) -> bytes | None:
    if value is None:
        return None
    return _check_bytes("to", value, 20)


def _check_signature_fields(tx: Any) -> None:
    _check_uint("y_parity", tx.y_parity, 2)
    _check_uint("r", tx.r)
    _check_uint("s", tx.s)


@dataclass(frozen=True)
class AccessListEntry:
    """One EIP-2930 access-list entry: an address and the storage keys of it to pre-warm."""

    address: bytes
    storage_keys: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", _check_bytes("accessList.address", self.address, 20))
        if isinstance(self.storage_keys, (bytes, bytearray, str)):
            raise InvalidField("field 'accessList.storageKeys' must be a sequence of 32-byte keys")
        keys = tuple(_check_bytes("accessList.storageKeys", k, 32) for k in self.storage_keys)
        object.__setattr__(self, "storage_keys", keys)


def _normalize_access_list(entries: Iterable[Any]) -> tuple[AccessListEntry, ...]:
    if isinstance(entries, (bytes, bytearray, str)):
        raise InvalidField("field 'access_list' must be a sequence of entries")
    out = []
    for entry in entries:
        if isinstance(entry, AccessListEntry):
            out.append(entry)
        else:
            try:
                address, keys = entry
            except (TypeError, ValueError):
                raise InvalidField("access-list entry must be (address, storage_keys)") from None
            out.append(AccessListEntry(address, tuple(keys)))
    return tuple(out)


# ---------------------------------------------------------------------------------------------------
# transaction types


@dataclass(frozen=True, kw_only=True)
class LegacyTx:
    """EIP-155 legacy transaction. ``to=None`` creates a contract; unsigned while ``r == s == 0``.

    ``y_parity`` holds the signature's recovery bit (0/1); the wire value ``v`` is a property.
    """

    TX_TYPE: ClassVar[int] = LEGACY_TX_TYPE

    chain_id: int
    nonce: int
    gas_price: int
    gas: int  # gas limit
    to: bytes | None
    value: int = 0
    data: bytes = b""
    y_parity: int = 0
    r: int = 0
    s: int = 0

    def __post_init__(self) -> None:
        _check_uint("chain_id", self.chain_id, _CHAIN_ID_LIMIT)
        if self.chain_id == 0:
            raise InvalidField("field 'chain_id' must be positive (EIP-155 replay protection)")
        _check_uint("nonce", self.nonce)
        _check_uint("gas_price", self.gas_price)
        _check_uint("gas", self.gas)
        object.__setattr__(self, "to", _check_to(self.to))
        _check_uint("value", self.value)
        object.__setattr__(self, "data", _check_bytes("data", self.data))
        _check_signature_fields(self)

    @property
    def v(self) -> int:
        """EIP-155 ``v = 2·chain_id + 35 + y_parity``."""
        return 2 * self.chain_id + 35 + self.y_parity

    @property
    def max_fee_per_gas(self) -> int:
        """A legacy price is both the fee cap and the tip cap (as EIP-1559 treats it)."""
        return self.gas_price

    @property
    def max_priority_fee_per_gas(self) -> int:
        return self.gas_price

    @property
    def access_list(self) -> tuple[AccessListEntry, ...]:
        return ()

    @property
    def is_create(self) -> bool:
        return self.to is None

    @property
    def is_signed(self) -> bool:
        return self.r != 0 or self.s != 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-RPC transaction object (hex quantities); ``hash`` only once signed."""
        out: dict[str, Any] = {
            "type": hex(self.TX_TYPE),
            "chainId": hex(self.chain_id),
            "nonce": hex(self.nonce),
            "gasPrice": hex(self.gas_price),
            "gas": hex(self.gas),
            "to": None if self.to is None else to_hex(self.to),
            "value": hex(self.value),
            "input": to_hex(self.data),
            "v": hex(self.v),
            "r": hex(self.r),
            "s": hex(self.s),
        }
        if self.is_signed:
            out["hash"] = to_hex(tx_hash(self))
        return out


@dataclass(frozen=True, kw_only=True)
class DynamicFeeTx:
    """EIP-1559 (type 2) transaction with an EIP-2930 access list. ``to=None`` creates a contract."""

    TX_TYPE: ClassVar[int] = DYNAMIC_FEE_TX_TYPE

    chain_id: int
    nonce: int
    max_priority_fee_per_gas: int
    max_fee_per_gas: int
    gas: int  # gas limit
    to: bytes | None
    value: int = 0
    data: bytes = b""
    access_list: tuple[AccessListEntry, ...] = field(default=())
    y_parity: int = 0
    r: int = 0
    s: int = 0

    def __post_init__(self) -> None:
        _check_uint("chain_id", self.chain_id, _CHAIN_ID_LIMIT)
        if self.chain_id == 0:
            raise InvalidField("field 'chain_id' must be positive")
        _check_uint("nonce", self.nonce)
        _check_uint("max_priority_fee_per_gas", self.max_priority_fee_per_gas)
        _check_uint("max_fee_per_gas", self.max_fee_per_gas)
        _check_uint("gas", self.gas)
        object.__setattr__(self, "to", _check_to(self.to))
        _check_uint("value", self.value)
        object.__setattr__(self, "data", _check_bytes("data", self.data))
        object.__setattr__(self, "access_list", _normalize_access_list(self.access_list))
        _check_signature_fields(self)

    @property
    def v(self) -> int:
        """Typed transactions put the bare y parity on the wire."""
        return self.y_parity

    @property
    def is_create(self) -> bool:
        return self.to is None

    @property
    def is_signed(self) -> bool:
        return self.r != 0 or self.s != 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-RPC transaction object (hex quantities); ``hash`` only once signed."""
        out: dict[str, Any] = {
            "type": hex(self.TX_TYPE),
            "chainId": hex(self.chain_id),
            "nonce": hex(self.nonce),
            "maxPriorityFeePerGas": hex(self.max_priority_fee_per_gas),
            "maxFeePerGas": hex(self.max_fee_per_gas),
            "gas": hex(self.gas),
            "to": None if self.to is None else to_hex(self.to),
            "value": hex(self.value),
            "input": to_hex(self.data),
            "accessList": [
                {"address": to_hex(e.address), "storageKeys": [to_hex(k) for k in e.storage_keys]}
                for e in self.access_list
            ],
            "yParity": hex(self.y_parity),
            "v": hex(self.v),
            "r": hex(self.r),
            "s": hex(self.s),
        }
        if self.is_signed:
            out["hash"] = to_hex(tx_hash(self))
        return out


Transaction = Union[LegacyTx, DynamicFeeTx]


# ---------------------------------------------------------------------------------------------------
# encoding


def _to_field(to: bytes | None) -> bytes:
    return b"" if to is None else to


def _access_list_rlp(entries: tuple[AccessListEntry, ...]) -> list[list[Any]]:
    return [[e.address, list(e.storage_keys)] for e in entries]


def _payload_fields(tx: Transaction) -> list[Any]:
    """The fields that are signed, in wire order (EIP-155 appends chain_id, 0, 0 for legacy)."""
    if isinstance(tx, LegacyTx):
        return [tx.nonce, tx.gas_price, tx.gas, _to_field(tx.to), tx.value, tx.data]
    if isinstance(tx, DynamicFeeTx):
        return [
            tx.chain_id,
            tx.nonce,
            tx.max_priority_fee_per_gas,
            tx.max_fee_per_gas,
            tx.gas,
            _to_field(tx.to),
            tx.value,
            tx.data,
            _access_list_rlp(tx.access_list),
        ]
    raise InvalidField(f"not a transaction: {type(tx).__name__}")


def encode(tx: Transaction) -> bytes:
    """Raw transaction bytes, as ``eth_sendRawTransaction`` takes them."""
    fields = _payload_fields(tx)
    if isinstance(tx, LegacyTx):
        return rlp.encode(fields + [tx.v, tx.r, tx.s])
    return bytes([tx.TX_TYPE]) + rlp.encode(fields + [tx.y_parity, tx.r, tx.s])


def signing_hash(tx: Transaction) -> bytes:
    """The 32-byte hash the sender signs."""
    fields = _payload_fields(tx)
    if isinstance(tx, LegacyTx):
        return keccak256(rlp.encode(fields + [tx.chain_id, 0, 0]))  # EIP-155
    return keccak256(bytes([tx.TX_TYPE]) + rlp.encode(fields))


def tx_hash(tx: Transaction) -> bytes:
    """The transaction hash: keccak256 of the raw signed bytes."""
    return keccak256(encode(tx))


# ---------------------------------------------------------------------------------------------------
# decoding


def _rlp_item_end(raw: bytes, start: int) -> int:
    """Offset one past the RLP item that starts at ``start`` (from its prefix alone)."""
    b0 = raw[start]
    if b0 < 0x80:
        return start + 1
    if b0 < 0xB8:
        return start + 1 + b0 - 0x80
    if 0xC0 <= b0 < 0xF8:
        return start + 1 + b0 - 0xC0
    width = b0 - (0xB7 if b0 < 0xC0 else 0xF7)
    length = int.from_bytes(raw[start + 1 : start + 1 + width], "big")
    return start + 1 + width + length


def _rlp_list(raw: bytes, start: int, what: str) -> list[Any]:
    """Decode the single RLP list at ``raw[start:]``, naming truncation and trailing bytes."""
    if start >= len(raw):
        raise DecodeError(f"{what}: missing RLP payload")
    if raw[start] < 0xC0:
        raise DecodeError(f"{what}: payload is not an RLP list")
    end = _rlp_item_end(raw, start)
    if end > len(raw):
        raise DecodeError(f"{what}: truncated (RLP declares {end - start} bytes, {len(raw) - start} present)")
    if end < len(raw):
        raise DecodeError(f"{what}: {len(raw) - end} trailing bytes after the transaction")
    try:
        items = rlp.decode(raw[start:], strict=True)
    except DecodingError as exc:
        raise DecodeError(f"{what}: malformed RLP ({exc})") from None
    return items


def _int_field(item: Any, name: str, limit: int = _UINT256_LIMIT) -> int:
    if not isinstance(item, bytes):
        raise DecodeError(f"field '{name}' must be an RLP string, not a list")
    if item[:1] == b"\x00":
        raise DecodeError(f"field '{name}' is a non-canonical integer (leading zero byte)")
    if len(item) > 32:
        raise DecodeError(f"field '{name}' is longer than 32 bytes")
    value = int.from_bytes(item, "big")
    if value >= limit:
        raise DecodeError(f"field '{name}' out of range: {value}")
    return value


def _bytes_field(item: Any, name: str) -> bytes:
    if not isinstance(item, bytes):
        raise DecodeError(f"field '{name}' must be an RLP string, not a list")
    return item


def _to_field_decode(item: Any) -> bytes | None:
    to = _bytes_field(item, "to")
    if len(to) not in (0, 20):
        raise DecodeError(f"field 'to' must be empty or 20 bytes, got {len(to)}")
    return to or None


def _access_list_decode(item: Any) -> tuple[AccessListEntry, ...]:
    if not isinstance(item, list):
        raise DecodeError("field 'accessList' must be an RLP list")
    entries = []
    for entry in item:
        if not isinstance(entry, list) or len(entry) != 2:
            raise DecodeError("access-list entry must be a list [address, storageKeys]")
        address, keys = entry
        if not isinstance(address, bytes) or len(address) != 20:
            raise DecodeError("access-list address must be 20 bytes")
        if not isinstance(keys, list) or not all(isinstance(k, bytes) and len(k) == 32 for k in keys):
            raise DecodeError("access-list storage keys must be a list of 32-byte strings")
        entries.append(AccessListEntry(address, tuple(keys)))
    return tuple(entries)


def _check_count(items: list[Any], expected: int, what: str) -> None:
    if len(items) != expected:
        raise DecodeError(f"{what} must have {expected} fields, got {len(items)}")


def decode(raw: bytes) -> Transaction:
    """Parse raw signed transaction bytes; raises ``TxError`` (one line) on anything malformed.

    Refuses: more than ``MAX_TX_SIZE`` bytes, malformed or non-minimal RLP, truncation, trailing
    bytes, a wrong field count, integers with leading zero bytes or over 32 bytes, a ``to`` that is
    neither empty nor 20 bytes, unknown type bytes, and legacy transactions without EIP-155 chain id.
    The signature is not checked here (see ``sender`` and ``validate_static``).
    """
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise DecodeError(f"raw transaction must be bytes, got {type(raw).__name__}")
    raw = bytes(raw)
    if len(raw) > MAX_TX_SIZE:
        raise TxTooLarge(f"transaction is {len(raw)} bytes, above the {MAX_TX_SIZE}-byte limit")
    if not raw:
        raise DecodeError("empty transaction")
    first = raw[0]
    if first >= 0xC0:
        return _decode_legacy(_rlp_list(raw, 0, "legacy transaction"))
    if first == DYNAMIC_FEE_TX_TYPE:
        return _decode_dynamic_fee(_rlp_list(raw, 1, "type-2 transaction"))
    if first <= 0x7F:
        raise UnsupportedTxType(f"unsupported transaction type 0x{first:02x} (only legacy and type 2)")
    raise DecodeError("not a transaction: neither an RLP list nor a typed envelope")


def _decode_legacy(items: list[Any]) -> LegacyTx:
    _check_count(items, 9, "legacy transaction")
    v = _int_field(items[6], "v")
    if v in (27, 28):
        raise DecodeError(f"pre-EIP-155 transaction (v={v}) refused: a chain id is required")
    if v < 37:  # chain id 0 would give v = 35 or 36
        raise DecodeError(f"invalid EIP-155 v value {v}")
    try:
        return LegacyTx(
            chain_id=(v - 35) // 2,
            nonce=_int_field(items[0], "nonce"),
            gas_price=_int_field(items[1], "gasPrice"),
            gas=_int_field(items[2], "gas"),
            to=_to_field_decode(items[3]),
            value=_int_field(items[4], "value"),
            data=_bytes_field(items[5], "data"),
            y_parity=(v - 35) % 2,
            r=_int_field(items[7], "r"),
            s=_int_field(items[8], "s"),
        )
    except InvalidField as exc:
        raise DecodeError(str(exc)) from None


def _decode_dynamic_fee(items: list[Any]) -> DynamicFeeTx:
    _check_count(items, 12, "type-2 transaction")
    y_parity = _int_field(items[9], "yParity")
    if y_parity > 1:
        raise DecodeError(f"field 'yParity' must be 0 or 1, got {y_parity}")
    try:
        return DynamicFeeTx(
            chain_id=_int_field(items[0], "chainId"),
            nonce=_int_field(items[1], "nonce"),
            max_priority_fee_per_gas=_int_field(items[2], "maxPriorityFeePerGas"),
            max_fee_per_gas=_int_field(items[3], "maxFeePerGas"),
            gas=_int_field(items[4], "gas"),
            to=_to_field_decode(items[5]),
            value=_int_field(items[6], "value"),
            data=_bytes_field(items[7], "data"),
            access_list=_access_list_decode(items[8]),
            y_parity=y_parity,
            r=_int_field(items[10], "r"),
            s=_int_field(items[11], "s"),
        )
    except InvalidField as exc:
        raise DecodeError(str(exc)) from None


# ---------------------------------------------------------------------------------------------------
# signatures


def sign(tx: Transaction, key: bytes) -> Transaction:
    """A copy of ``tx`` signed with the 32-byte private ``key`` (deterministic, low-s)."""
    y_parity, r, s = crypto.sign_hash(signing_hash(tx), key)
    return dataclasses.replace(tx, y_parity=y_parity, r=r, s=s)


def sender(tx: Transaction) -> bytes:
    """The 20-byte address that signed ``tx``; raises ``InvalidSignature``.

    One public-key recovery (milliseconds); results are cached per signature.
    """
    if not tx.is_signed:
        raise InvalidSignature("transaction is not signed")
    try:
        return crypto.recover_address(signing_hash(tx), tx.y_parity, tx.r, tx.s)
    except crypto.InvalidSignature as exc:
        raise InvalidSignature(str(exc)) from None


# ---------------------------------------------------------------------------------------------------
# gas and fees


def intrinsic_gas(tx: Transaction) -> int:
    """Gas charged before execution starts (Shanghai/Cancun schedule)."""
    data = tx.data
    zeros = data.count(0)
    gas = TX_BASE_GAS + TX_DATA_ZERO_GAS * zeros + TX_DATA_NONZERO_GAS * (len(data) - zeros)
    if tx.to is None:
        gas += TX_CREATE_GAS + INITCODE_WORD_GAS * ((len(data) + 31) // 32)
    for entry in tx.access_list:
        gas += ACCESS_LIST_ADDRESS_GAS + ACCESS_LIST_STORAGE_KEY_GAS * len(entry.storage_keys)
    return gas


def effective_gas_price(tx: Transaction, base_fee: int) -> int:
    """Price per gas the sender pays in a block with ``base_fee``.

    Legacy: ``gas_price``. Type 2: ``min(max_fee, base_fee + max_priority_fee)``. Raises
    ``FeeError`` when the transaction cannot pay the base fee.
    """
    if tx.max_fee_per_gas < base_fee:
        raise FeeError(f"max fee per gas {tx.max_fee_per_gas} below base fee {base_fee}")
    if isinstance(tx, LegacyTx):
        return tx.gas_price
    return min(tx.max_fee_per_gas, base_fee + tx.max_priority_fee_per_gas)


def priority_fee_per_gas(tx: Transaction, base_fee: int) -> int:
    """The part of the effective price above the base fee (what the sequencer earns per gas)."""
    return effective_gas_price(tx, base_fee) - base_fee


def validate_static(tx: Transaction, chain_id: int, block_gas_limit: int) -> bytes:
    """Every check that needs no state; returns the recovered sender.

    Checked in order (cheapest first, signature last): encoded size, chain id, nonce below 2^64 - 1
    (EIP-2681), priority fee <= fee cap, initcode size (EIP-3860), intrinsic gas <= gas limit <=
    block gas limit, and a valid low-s signature.
    """
    size = len(encode(tx))
    if size > MAX_TX_SIZE:
        raise TxTooLarge(f"transaction is {size} bytes, above the {MAX_TX_SIZE}-byte limit")
    if tx.chain_id != chain_id:
        raise WrongChainId(f"wrong chain id {tx.chain_id} (this chain is {chain_id})")
    if tx.nonce > _MAX_NONCE:
        raise InvalidField(f"nonce {tx.nonce} is not below 2^64 - 1 (EIP-2681)")
    if tx.max_priority_fee_per_gas > tx.max_fee_per_gas:
        raise FeeError(
            f"max priority fee per gas {tx.max_priority_fee_per_gas} above max fee per gas {tx.max_fee_per_gas}"
        )
    if tx.to is None and len(tx.data) > MAX_INITCODE_SIZE:
        raise InitcodeTooLarge(f"initcode is {len(tx.data)} bytes, above the {MAX_INITCODE_SIZE}-byte limit")
    needed = intrinsic_gas(tx)
    if tx.gas < needed:
        raise GasLimitError(f"gas limit {tx.gas} below intrinsic gas {needed}")
    if tx.gas > block_gas_limit:
        raise GasLimitError(f"gas limit {tx.gas} above block gas limit {block_gas_limit}")
    return sender(tx)


# ---------------------------------------------------------------------------------------------------
# dict form


def _quantity(d: dict[str, Any], key: str, default: int | None = None) -> int:
    if key not in d or d[key] is None:
        if default is None:
            raise InvalidField(f"missing field '{key}'")
        return default
    value = d[key]
    if isinstance(value, str):
        try:
            return int(value, 16) if value[:2] in ("0x", "0X") else int(value)
        except ValueError:
            raise InvalidField(f"field '{key}' is not a number: {value!r}") from None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise InvalidField(f"field '{key}' must be a number, got {type(value).__name__}")


def _data(value: Any, key: str) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    try:
        return crypto.from_hex(value)
    except ValueError as exc:
        raise InvalidField(f"field '{key}': {exc}") from None


def _address(value: Any, key: str) -> bytes:
    try:
        return crypto.parse_address(value)
    except crypto.InvalidAddress as exc:
        raise InvalidField(f"field '{key}': {exc}") from None


def tx_from_dict(d: dict[str, Any]) -> Transaction:
    """A transaction from a JSON-RPC / eth-account style dict (camelCase keys).

    Quantities may be ints, decimal strings or ``0x`` hex; ``input`` or ``data`` holds the calldata;
    ``to`` absent, ``None`` or ``""`` means contract creation. ``type`` defaults to 2 when
    ``maxFeePerGas`` is present, else 0. Signature fields (``v``/``yParity``, ``r``, ``s``) are optional.
    """
    default_type = DYNAMIC_FEE_TX_TYPE if "maxFeePerGas" in d else LEGACY_TX_TYPE
    tx_type = _quantity(d, "type", default_type)
    to_value = d.get("to")
    to = None if to_value in (None, "", b"") else _address(to_value, "to")
    data = _data(d.get("input", d.get("data", b"")), "input")
    r = _quantity(d, "r", 0)
    s = _quantity(d, "s", 0)
    common = dict(
        chain_id=_quantity(d, "chainId"),
        nonce=_quantity(d, "nonce"),
        gas=_quantity(d, "gas"),
        to=to,
        value=_quantity(d, "value", 0),
        data=data,
        r=r,
        s=s,
    )
    if tx_type == LEGACY_TX_TYPE:
        y_parity = 0
        if r or s:
            v = _quantity(d, "v")
            expected = 2 * common["chain_id"] + 35
            if v not in (expected, expected + 1):
                raise InvalidField(f"field 'v' {v} does not match chain id {common['chain_id']} (EIP-155)")
            y_parity = v - expected
        return LegacyTx(gas_price=_quantity(d, "gasPrice"), y_parity=y_parity, **common)
    if tx_type == DYNAMIC_FEE_TX_TYPE:
        y_parity = _quantity(d, "yParity", _quantity(d, "v", 0))
        access_list = []
        for entry in d.get("accessList") or ():
            if not isinstance(entry, dict):
                raise InvalidField("access-list entry must be an object with address and storageKeys")
            keys = tuple(_data(k, "accessList.storageKeys") for k in entry.get("storageKeys", ()))
            access_list.append(AccessListEntry(_address(entry.get("address"), "accessList.address"), keys))
        return DynamicFeeTx(
            max_priority_fee_per_gas=_quantity(d, "maxPriorityFeePerGas"),
            max_fee_per_gas=_quantity(d, "maxFeePerGas"),
            access_list=tuple(access_list),
            y_parity=y_parity,
            **common,
        )
    raise UnsupportedTxType(f"unsupported transaction type 0x{tx_type:02x} (only legacy and type 2)")


# ---------------------------------------------------------------------------------------------------
# receipts


def _bloom_bits(item: bytes) -> Iterable[int]:
    """Bit indices an entry sets in a 2048-bit logs bloom: the low 11 bits of hash byte pairs 0, 2, 4."""
    digest = keccak256(item)
    for i in (0, 2, 4):
        yield ((digest[i] << 8) | digest[i + 1]) & 2047


@dataclass(frozen=True)
class Log:
    """An event emitted by LOG0..LOG4: the emitting contract, up to 4 topics, and opaque data."""

    address: bytes
    topics: tuple[bytes, ...] = ()
    data: bytes = b""

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", _check_bytes("address", self.address, 20))
        topics = tuple(_check_bytes("topics", t, 32) for t in self.topics)
        if len(topics) > 4:
            raise InvalidField(f"a log has at most 4 topics, got {len(topics)}")
        object.__setattr__(self, "topics", topics)
        object.__setattr__(self, "data", _check_bytes("data", self.data))

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": to_hex(self.address),
            "topics": [to_hex(t) for t in self.topics],
            "data": to_hex(self.data),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Log:
        return cls(
            address=_address(d["address"], "address"),
            topics=tuple(_data(t, "topics") for t in d.get("topics", ())),
            data=_data(d.get("data", "0x"), "data"),
        )


@dataclass(frozen=True)
class Receipt:
    """Outcome of one executed transaction. ``status`` is 1 on success, 0 on revert/failure."""

    status: int
    gas_used: int
    cumulative_gas_used: int
    logs: tuple[Log, ...] = ()
    contract_address: bytes | None = None

    def __post_init__(self) -> None:
        _check_uint("status", self.status, 2)
        _check_uint("gas_used", self.gas_used, _UINT64_LIMIT)
        _check_uint("cumulative_gas_used", self.cumulative_gas_used, _UINT64_LIMIT)
        logs = tuple(self.logs)
        if not all(isinstance(log, Log) for log in logs):
            raise InvalidField("field 'logs' must hold Log values")
        object.__setattr__(self, "logs", logs)
        if self.contract_address is not None:
            object.__setattr__(
                self, "contract_address", _check_bytes("contract_address", self.contract_address, 20)
            )

    def logs_bloom(self) -> bytes:
        """The 256-byte bloom filter over every log's address and topics (Yellow Paper §4.3.1)."""
        bloom = 0
        for log in self.logs:
            for item in (log.address, *log.topics):
                for bit in _bloom_bits(item):
                    bloom |= 1 << bit
        return bloom.to_bytes(256, "big")

    def to_dict(self) -> dict[str, Any]:
        """JSON-RPC receipt fields this object knows (the node adds hashes and block numbers)."""
        return {
            "status": hex(self.status),
            "gasUsed": hex(self.gas_used),
            "cumulativeGasUsed": hex(self.cumulative_gas_used),
            "logs": [log.to_dict() for log in self.logs],
            "logsBloom": to_hex(self.logs_bloom()),
            "contractAddress": None if self.contract_address is None else to_hex(self.contract_address),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Receipt:
        address = d.get("contractAddress")
        return cls(
            status=_quantity(d, "status"),
            gas_used=_quantity(d, "gasUsed"),
            cumulative_gas_used=_quantity(d, "cumulativeGasUsed"),
            logs=tuple(Log.from_dict(log) for log in d.get("logs", ())),
            contract_address=None if address is None else _address(address, "contractAddress"),
        )
