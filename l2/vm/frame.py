"""
Frames and environments
=======================

The data the interpreter works on: the block and transaction environment, a
:class:`Message` (what a call or create asks for), the :class:`Evm` frame
that executes one message, the :class:`Log` entries it emits and the
:class:`MessageResult` handed back to the caller of
:func:`l2.vm.interpreter.process_message_call`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from ..state.world import WorldState
    from .exceptions import EvmError

__all__ = ["BlockEnv", "TxEnv", "Message", "Log", "Environment", "Evm", "MessageResult"]


@dataclass(frozen=True, slots=True)
class BlockEnv:
    """Block-level values visible to contracts."""

    number: int = 0
    timestamp: int = 0
    base_fee: int = 0
    chain_id: int = 1
    coinbase: bytes = bytes(20)
    gas_limit: int = 30_000_000


@dataclass(frozen=True, slots=True)
class TxEnv:
    """Transaction-level values visible to contracts."""

    origin: bytes = bytes(20)
    gas_price: int = 0


@dataclass(slots=True)
class Message:
    """A request to run code: a call (``target`` set) or a create (``target`` None).

    ``current_target`` is the account whose storage and balance the code
    uses: the callee for a call, the new contract's address for a create.
    ``code_address`` is where the code came from (the callee for CALL and
    STATICCALL; None for a create).
    """

    caller: bytes
    target: bytes | None
    current_target: bytes
    gas: int
    value: int = 0
    data: bytes = b""
    code: bytes = b""
    depth: int = 0
    code_address: bytes | None = None
    should_transfer_value: bool = True
    is_static: bool = False

    @property
    def is_create(self) -> bool:
        return self.target is None


class Log(NamedTuple):
    """An event: emitting address, topics (as words) and data."""

    address: bytes
    topics: tuple[int, ...]
    data: bytes


class Environment:
    """What every frame of one message call shares."""

    __slots__ = ("state", "block_env", "tx_env", "tracer")

    def __init__(self, state: WorldState, block_env: BlockEnv, tx_env: TxEnv, tracer: Any = None):
        self.state = state
        self.block_env = block_env
        self.tx_env = tx_env
        self.tracer = tracer


class Evm:
    """One executing frame: program counter, stack, memory, gas and results."""

    __slots__ = (
        "pc",
        "stack",
        "memory",
        "code",
        "gas_left",
        "env",
        "message",
        "valid_jump_destinations",
        "push_values",
        "logs",
        "refund_counter",
        "running",
        "output",
        "return_data",
        "error",
        "call_index",
    )

    def __init__(
        self,
        message: Message,
        env: Environment,
        valid_jump_destinations: frozenset[int],
        push_values: dict[int, int],
    ) -> None:
        self.pc = 0
        self.stack: list[int] = []
        self.memory = bytearray()
        self.code = message.code
        self.gas_left = message.gas
        self.env = env
        self.message = message
        self.valid_jump_destinations = valid_jump_destinations
        self.push_values = push_values
        self.logs: list[Log] = []
        self.refund_counter = 0
        self.running = True
        self.output = b""
        self.return_data = b""
        self.error: EvmError | None = None
        # set by a tracer to tie steps to the frame's CallContext
        self.call_index = 0


@dataclass(frozen=True)
class MessageResult:
    """The outcome of a top-level message call.

    ``status`` is ``"success"``, ``"revert"`` or ``"error"`` (an exceptional
    halt, which leaves no gas). ``refund`` is the EIP-3529 refund counter,
    0 unless the call succeeded; the transaction layer caps it at a fifth of
    the gas used. ``error`` names the exception class on failure.
    """

    status: str
    output: bytes
    gas_left: int
    refund: int
    logs: tuple[Log, ...] = ()
    created_address: bytes | None = None
    error: str | None = None

    @property
    def success(self) -> bool:
        return self.status == "success"
