"""What a batch proof is about: the batch statement, its hash, and the transfers it implies.

A :class:`BatchStatement` holds everything a verifier needs and nothing it must trust:

* the chain id and the batch number;
* the state roots before and after (``prev_root``, ``new_root``: the state tree's 8-element digests,
  the same values the node stores as ``prev_state_root`` / ``state_root``);
* the block context the batch ran in: timestamp, base fee, fee recipient, gas limit;
* the batch data: the L1 deposits it credits (id, L2 recipient, amount), applied first and in id
  order, then each transaction's signed RLP bytes, in order.

Senders are not part of the encoding: they are recovered from the signatures (ecrecover), by the
verifier here and by the L1 contract on the posted data.  Signatures are not proven inside the STARK.

``batch_commitment`` = keccak-256 of the canonical encoding (:meth:`BatchStatement.to_bytes`); an L1
contract recomputes it from the posted batch data and the roots, so a proof is bound to exactly the
posted transactions.

Encoding (integers big-endian, as Ethereum posts them)::

    magic "L2BS" | version u8 | chain_id u64 | number u64 | prev_root 32 | new_root 32
    timestamp u64 | base_fee u256 | fee_recipient 20 | gas_limit u64 | count u32
    count × (length u32 | signed transaction bytes)
    deposits u32 | deposits × (id u64 | recipient 20 | amount u256)

Parsing checks every length against the bytes that remain and refuses trailing bytes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import cached_property

from circuits.field import P
from l2.crypto import keccak256
from l2.tx import Transaction, TxError, decode, encode, sender, validate_static

MAGIC = b"L2BS"
VERSION = 1
MAX_TRANSACTIONS = 1 << 16
MAX_DEPOSITS = 1 << 16
_HEAD = struct.Struct(">4sBQQ32s32sQ32s20sQI")
_DEPOSIT = struct.Struct(">Q20s32s")


@dataclass(frozen=True)
class Deposit:
    """An L1 deposit as the batch credits it: ``amount`` wei to ``recipient`` on L2."""

    id: int
    recipient: bytes
    amount: int

    def __post_init__(self):
        if not isinstance(self.id, int) or not 0 <= self.id < 1 << 63:
            raise StatementError("a deposit id is an integer in [0, 2^63)")
        if len(bytes(self.recipient)) != 20:
            raise StatementError("a deposit recipient is a 20-byte address")
        if not isinstance(self.amount, int) or not 0 <= self.amount < 1 << 256:
            raise StatementError("a deposit amount is a 256-bit integer")
        object.__setattr__(self, "recipient", bytes(self.recipient))


class StatementError(ValueError):
    """A batch statement that cannot be read or is not a statement about valid transactions."""


def root_bytes(digest) -> bytes:
    """An 8-element state-tree digest as 32 bytes (each element a big-endian u32)."""
    return b"".join(int(x).to_bytes(4, "big") for x in digest)


def root_digest(data: bytes) -> tuple[int, ...]:
    if len(data) != 32:
        raise StatementError("a state root is 32 bytes")
    out = tuple(int.from_bytes(data[4 * i:4 * i + 4], "big") for i in range(8))
    if any(x >= P for x in out):
        raise StatementError("a state root element is not a canonical field element")
    return out


def root_from_hex(text: str) -> tuple[int, ...]:
    try:
        return root_digest(bytes.fromhex(text[2:] if text.startswith("0x") else text))
    except ValueError as exc:
        raise StatementError(f"bad state root {text!r}: {exc}") from None


@dataclass(frozen=True)
class BatchStatement:
    """A batch as the proof states it (see the module docstring)."""

    chain_id: int
    number: int
    prev_root: tuple[int, ...]
    new_root: tuple[int, ...]
    timestamp: int
    base_fee: int
    fee_recipient: bytes
    gas_limit: int
    transactions: tuple[bytes, ...]
    deposits: tuple[Deposit, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "prev_root", root_digest(root_bytes(self.prev_root)))
        object.__setattr__(self, "new_root", root_digest(root_bytes(self.new_root)))
        object.__setattr__(self, "transactions", tuple(bytes(t) for t in self.transactions))
        for name, bits in (("chain_id", 64), ("number", 64), ("timestamp", 64), ("gas_limit", 64),
                           ("base_fee", 256)):
            v = getattr(self, name)
            if not isinstance(v, int) or not 0 <= v < 1 << bits:
                raise StatementError(f"{name} must be an integer in [0, 2^{bits})")
        if len(self.fee_recipient) != 20:
            raise StatementError("fee_recipient is a 20-byte address")
        if len(self.transactions) > MAX_TRANSACTIONS:
            raise StatementError(f"at most {MAX_TRANSACTIONS} transactions")
        object.__setattr__(self, "deposits", tuple(self.deposits))
        if len(self.deposits) > MAX_DEPOSITS or not all(isinstance(d, Deposit) for d in self.deposits):
            raise StatementError(f"deposits are at most {MAX_DEPOSITS} Deposit values")
        ids = [d.id for d in self.deposits]
        if ids and ids != list(range(ids[0], ids[0] + len(ids))):
            raise StatementError("a batch credits consecutive deposit ids, in order")

    # ---- encoding -----------------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        head = _HEAD.pack(MAGIC, VERSION, self.chain_id, self.number, root_bytes(self.prev_root),
                          root_bytes(self.new_root), self.timestamp, self.base_fee.to_bytes(32, "big"),
                          self.fee_recipient, self.gas_limit, len(self.transactions))
        return (head + b"".join(struct.pack(">I", len(t)) + t for t in self.transactions)
                + struct.pack(">I", len(self.deposits))
                + b"".join(_DEPOSIT.pack(d.id, d.recipient, d.amount.to_bytes(32, "big")) for d in self.deposits))

    @classmethod
    def from_bytes(cls, data: bytes) -> BatchStatement:
        statement, end = cls.read(data, 0)
        if end != len(data):
            raise StatementError(f"{len(data) - end} trailing bytes after the batch statement")
        return statement

    @classmethod
    def read(cls, data: bytes, offset: int) -> tuple[BatchStatement, int]:
        """Parse a statement starting at ``offset``; return it and the offset after it."""
        if len(data) - offset < _HEAD.size:
            raise StatementError("truncated batch statement")
        (magic, version, chain_id, number, prev, new, timestamp, base_fee, recipient, gas_limit,
         count) = _HEAD.unpack_from(data, offset)
        if magic != MAGIC:
            raise StatementError("not a batch statement (bad magic)")
        if version != VERSION:
            raise StatementError(f"unsupported batch statement version {version}")
        if count > MAX_TRANSACTIONS or count * 4 > len(data) - offset - _HEAD.size:
            raise StatementError("transaction count exceeds the data")
        pos = offset + _HEAD.size
        txs = []
        for _ in range(count):
            if len(data) - pos < 4:
                raise StatementError("truncated transaction length")
            (length,) = struct.unpack_from(">I", data, pos)
            pos += 4
            if length > len(data) - pos:
                raise StatementError("transaction length exceeds the data")
            txs.append(bytes(data[pos:pos + length]))
            pos += length
        if len(data) - pos < 4:
            raise StatementError("truncated deposit count")
        (n_deposits,) = struct.unpack_from(">I", data, pos)
        pos += 4
        if n_deposits > MAX_DEPOSITS or n_deposits * _DEPOSIT.size > len(data) - pos:
            raise StatementError("deposit count exceeds the data")
        deposits = []
        for _ in range(n_deposits):
            ident, to, amount = _DEPOSIT.unpack_from(data, pos)
            deposits.append(Deposit(ident, bytes(to), int.from_bytes(amount, "big")))
            pos += _DEPOSIT.size
        return cls(chain_id, number, root_digest(prev), root_digest(new), timestamp, int.from_bytes(base_fee, "big"),
                   bytes(recipient), gas_limit, tuple(txs), tuple(deposits)), pos

    @property
    def commitment(self) -> bytes:
        """batch_commitment: keccak-256 of the canonical encoding."""
        return keccak256(self.to_bytes())

    # ---- the transfers the proof is about -------------------------------------------------------------
    @cached_property
    def decoded(self) -> tuple[tuple[Transaction, bytes], ...]:
        """Each transaction with its recovered sender; StatementError when one is not valid as posted."""
        out = []
        for i, raw in enumerate(self.transactions):
            try:
                tx = decode(raw)
                if encode(tx) != raw:
                    raise StatementError(f"transaction {i} is not canonically encoded")
                validate_static(tx, self.chain_id, self.gas_limit)
                out.append((tx, sender(tx)))
            except TxError as exc:
                raise StatementError(f"transaction {i}: {exc}") from None
        return tuple(out)

    def transfer_inputs(self):
        """The transfer table's public inputs: each posted transaction priced as a plain transfer
        (:func:`l2.batch_witness.transfer_inputs`).  StatementError names a transaction the batch
        proof cannot express or that breaks a rule needing no state (a contract creation, a fee cap
        below the base fee, a gas limit above the gas left in the batch, ...).  Whether a recipient
        has code is not visible here: the proof shows it has none."""
        from bridge.constants import L2_BRIDGE
        from circuits.transfer_air import TransferInputs, TransferRecord
        from l2.batch_witness import transfer_inputs

        try:
            txs = transfer_inputs(self.decoded, self.base_fee, self.fee_recipient, self.gas_limit)
            # a deposit is a fee-free transfer from the L2 bridge account whose nonce is the deposit id
            credits = tuple(TransferRecord(sender=L2_BRIDGE, to=d.recipient, nonce=d.id, value=d.amount, fee=0,
                                           cost=d.amount) for d in self.deposits)
        except ValueError as exc:
            raise StatementError(str(exc)) from None
        return TransferInputs(credits + tuple(txs.transfers), self.fee_recipient)

    def as_dict(self) -> dict:
        return {
            "chain_id": self.chain_id, "batch": self.number,
            "prev_state_root": "0x" + root_bytes(self.prev_root).hex(),
            "state_root": "0x" + root_bytes(self.new_root).hex(),
            "timestamp": self.timestamp, "base_fee": self.base_fee,
            "fee_recipient": "0x" + self.fee_recipient.hex(), "gas_limit": self.gas_limit,
            "txs": len(self.transactions), "deposits": len(self.deposits),
            "batch_commitment": "0x" + self.commitment.hex(),
        }
