"""Python contracts on the simulated L1: the ``Contract`` base class, entry-point decorators, registry.

A contract is a Python class registered under a name; the chain stores that name with the contract's
address and instantiates the class for every call, so all of a contract's state lives in
``self.storage`` (slot -> int, persisted) and its balance. Example::

    @register_contract("counter")
    class Counter(Contract):
        INDEXED = {"Deposited": ("sender",)}   # event fields that become topics

        def constructor(self, start: int) -> None:          # runs once, at deployment
            self.storage[0] = start

        @external
        def increment(self, by: int) -> int:
            self.require(by > 0, "zero increment")
            self.storage[0] = self.storage[0] + by         # SLOAD + SSTORE, metered
            return self.storage[0]

        @payable
        def deposit(self) -> None:
            self.emit("Deposited", sender=self.msg.sender, amount=self.msg.value)

        @view
        def value(self) -> int:
            return self.storage[0]

Only methods marked ``@external``, ``@payable`` or ``@view`` can be called; a call with value to a
method that is not ``@payable`` reverts (as Solidity's generated check does), and a ``@view`` method
runs static: a storage write, event or value transfer in it reverts. ``receive`` is the method that
plain value transfers (``send_value``) run on a contract. ``constructor`` runs only at deployment
(mark it ``@payable`` to accept value there); it can never be called afterwards.

What a contract does through this class is metered with Ethereum's gas schedule (storage accesses
per EIP-2929/2200/3529, ``keccak``, ``ecrecover``, events, calls and value transfers); its own Python
computation is free unless it charges it (``charge``, ``charge_verifier``). ``revert(reason)`` raises
:class:`Revert`: the call's state changes are rolled back, as the EVM's REVERT does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, TypeVar

from l2.crypto import InvalidSignature, keccak256, recover_address
from verifier.l1.abi import abi_encode
from verifier.l1.gas import BLAKE2B_PRICES, StarkVerifierWork, VerifierGas, VerifierPrices, stark_verifier_gas

if TYPE_CHECKING:
    from verifier.l1.execution import Frame

__all__ = [
    "Revert",
    "Message",
    "BlockInfo",
    "Storage",
    "Contract",
    "external",
    "payable",
    "view",
    "entry_kind",
    "register_contract",
    "contract_class",
    "CONTRACTS",
    "NONPAYABLE",
    "PAYABLE",
    "VIEW",
]

NONPAYABLE = "nonpayable"
PAYABLE = "payable"
VIEW = "view"
_ENTRY = "__l1_entry__"
_MAX_TOPICS = 4  # LOG4; the event signature takes one

F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C", bound="type[Contract]")


class Revert(Exception):
    """A contract reverted: its state changes are undone; ``reason`` says why."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason


def external(fn: F) -> F:
    """Mark a method as callable by transactions and other contracts (rejects value)."""
    setattr(fn, _ENTRY, NONPAYABLE)
    return fn


def payable(fn: F) -> F:
    """Mark a method as callable and accepting value (``msg.value``)."""
    setattr(fn, _ENTRY, PAYABLE)
    return fn


def view(fn: F) -> F:
    """Mark a method as a callable read-only view: any state change in it reverts."""
    setattr(fn, _ENTRY, VIEW)
    return fn


def entry_kind(cls: type[Contract], method: str) -> str | None:
    """``NONPAYABLE``, ``PAYABLE`` or ``VIEW`` for an entry point of ``cls``; None for anything else."""
    fn = getattr(cls, method, None)
    return getattr(fn, _ENTRY, None) if callable(fn) else None


CONTRACTS: dict[str, type[Contract]] = {}
"""Registry: name stored with a contract's address -> its class."""


def register_contract(name: str) -> Callable[[C], C]:
    """Class decorator: register a ``Contract`` subclass under ``name`` (at most 64 characters)."""
    if not 0 < len(name) <= 64:
        raise ValueError("a contract name has 1 to 64 characters")

    def register(cls: C) -> C:
        if not (isinstance(cls, type) and issubclass(cls, Contract)):
            raise TypeError("register_contract decorates a Contract subclass")
        existing = CONTRACTS.get(name)
        if existing is not None and (existing.__module__, existing.__qualname__) != (cls.__module__, cls.__qualname__):
            where = f"{existing.__module__}.{existing.__qualname__}"
            raise ValueError(f"contract name {name!r} is already registered to {where}")
        CONTRACTS[name] = cls
        cls.registry_name = name
        return cls

    return register


def contract_class(name: str) -> type[Contract]:
    """The class registered under ``name``; a clear error when its module was not imported."""
    try:
        return CONTRACTS[name]
    except KeyError:
        raise LookupError(f"no contract class is registered as {name!r}; import the module that defines it") from None


@dataclass(frozen=True)
class Message:
    """The call a contract is running: who called it, with how much value (wei)."""

    sender: bytes
    value: int


@dataclass(frozen=True)
class BlockInfo:
    """The block a transaction runs in."""

    number: int
    timestamp: int
    chain_id: int


class Storage:
    """A contract's storage, slot -> 256-bit int (absent slots read 0); every access is metered."""

    def __init__(self, frame: Frame) -> None:
        self._frame = frame

    def __getitem__(self, slot: int) -> int:
        return self._frame.sload(slot)

    def __setitem__(self, slot: int, value: int) -> None:
        self._frame.sstore(slot, value)

    def __delitem__(self, slot: int) -> None:
        self._frame.sstore(slot, 0)


class Contract:
    """Base class of the simulated L1 contracts (see the module docstring)."""

    registry_name: ClassVar[str]
    INDEXED: ClassVar[dict[str, tuple[str, ...]]] = {}
    """Per event name, the fields that become topics (at most 3), as Solidity's ``indexed``."""

    def __init__(self, frame: Frame) -> None:
        self._frame = frame
        self.storage = Storage(frame)

    # -- context

    @property
    def address(self) -> bytes:
        return self._frame.address

    @property
    def msg(self) -> Message:
        return self._frame.msg

    @property
    def block(self) -> BlockInfo:
        return self._frame.execution.block

    @property
    def origin(self) -> bytes:
        """The account that sent the transaction (``tx.origin``)."""
        return self._frame.execution.origin

    @property
    def balance(self) -> int:
        """This contract's balance in wei (SELFBALANCE)."""
        return self._frame.self_balance()

    # -- control

    def revert(self, reason: str = "") -> NoReturn:
        """Abort the call: its state changes are undone and the caller sees ``reason``."""
        raise Revert(reason)

    def require(self, condition: Any, reason: str = "") -> None:
        """Revert with ``reason`` unless ``condition`` holds."""
        if not condition:
            raise Revert(reason)

    # -- metered operations

    def emit(self, event_name: str, **fields: Any) -> None:
        """Log an event: topics are the signature and the fields in ``INDEXED``, the rest is data.

        Charged as LOG: 375 + 375 per topic + 8 per byte of the ABI encoding of the data fields.
        """
        indexed = self.INDEXED.get(event_name, ())
        missing = [name for name in indexed if name not in fields]
        if missing:
            raise TypeError(f"event {event_name} needs its indexed fields {missing}")
        if 1 + len(indexed) > _MAX_TOPICS:
            raise TypeError(f"event {event_name} has more than {_MAX_TOPICS - 1} indexed fields")
        data = abi_encode([value for name, value in fields.items() if name not in indexed])
        self._frame.log(event_name, fields, topics=1 + len(indexed), data_bytes=len(data))

    def keccak(self, data: bytes) -> bytes:
        """keccak-256 of ``data``, charged as KECCAK256 (30 + 6 per word)."""
        self._frame.meter.keccak(len(data))
        return keccak256(bytes(data))

    def mapping_slot(self, base: int, key: int | bytes) -> int:
        """Solidity's slot of ``mapping[key]`` for a mapping at slot ``base``: keccak(key || base).

        Integer, 20-byte (address) and 32-byte keys are one padded word; other bytes go in as they
        are (a ``bytes`` key). Charged as the KECCAK256 it is.
        """
        if isinstance(key, int):
            head = key.to_bytes(32, "big")
        elif len(key) in (20, 32):
            head = bytes(key).rjust(32, b"\0")
        else:
            head = bytes(key)
        return int.from_bytes(self.keccak(head + base.to_bytes(32, "big")), "big")

    def ecrecover(self, msg_hash: bytes, v: int, r: int, s: int) -> bytes | None:
        """The ecrecover precompile: the signer's address, or None where the precompile returns nothing.

        ``v`` is 27 or 28 as the precompile takes it. Charged 3,000 plus the warm STATICCALL (100).
        Solidity's ``ecrecover`` returns ``address(0)`` where this returns None.
        """
        self._frame.meter.ecrecover()
        if v not in (27, 28) or len(msg_hash) != 32:
            return None
        try:
            return recover_address(bytes(msg_hash), v - 27, r, s, low_s=False)
        except InvalidSignature:
            return None

    def send_value(self, to: bytes, amount: int) -> None:
        """Send ``amount`` wei to ``to`` as a CALL with value and no data (runs ``receive`` on a contract).

        Charged per :func:`verifier.l1.gas.call_gas`; reverts when this contract's balance is short.
        """
        self._frame.call(to, None, (), amount)

    def call_contract(self, to: bytes, method: str, *args: Any, value: int = 0) -> Any:
        """Call ``method`` of the contract at ``to`` with ``msg.sender`` = this contract.

        If the callee reverts, its changes are undone and :class:`Revert` propagates; catching it
        continues with the state as it was before the call (Solidity's ``try``/``catch``).
        """
        return self._frame.call(to, method, args, value)

    def charge(self, category: str, gas: int) -> None:
        """Charge ``gas`` of execution under ``category`` (work the Python code does that costs gas)."""
        self._frame.meter.charge(category, gas)

    def charge_verifier(self, work: StarkVerifierWork, prices: VerifierPrices = BLAKE2B_PRICES) -> VerifierGas:
        """Charge a proof verification priced by the STARK verifier cost model, part by part."""
        cost = stark_verifier_gas(work, prices)
        for part, gas in cost.parts.items():
            if gas:
                self._frame.meter.charge(f"verifier:{part}", gas)
        return cost
