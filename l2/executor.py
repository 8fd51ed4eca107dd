"""Applying one transaction to the world state: Ethereum's (Cancun) transaction rules on our VM.

For a transaction ``tx`` from ``sender`` in a block with base fee ``b`` and fee recipient
``coinbase`` (the sequencer), :func:`apply_transaction` does, in order:

1. **Validity** (:func:`check_transaction`; a failure raises :class:`InvalidTransaction` and leaves
   the state untouched, so the transaction cannot be included at all): ``tx.nonce`` equals the
   sender's nonce, the sender has no code (EIP-3607), the fee cap covers the base fee, the gas limit
   fits in the gas left in the batch and covers the intrinsic gas, and the balance covers
   ``gas · max_fee_per_gas + value``.
2. **Buy gas**: the sender pays ``gas · p`` up front, ``p`` the effective gas price
   (legacy: ``gasPrice``; EIP-1559: ``min(max_fee, b + max_priority_fee)``), and its nonce goes up.
3. **Execute** the call or creation with ``gas − intrinsic_gas`` through the VM, the sender, the
   target (or new contract), the precompiles, the coinbase (EIP-3651) and the access list warm.
   A failing execution (revert, exceptional halt) is undone by the VM; steps 2 and 4 stand.
4. **Refund**: ``gas_used = used − min(refund_counter, used // 5)`` (EIP-3529, where ``used`` is
   the gas consumed before refunds); the sender gets ``(gas − gas_used) · p`` back.
5. **Fees**: the whole ``gas_used · p`` goes to the coinbase. *Nothing is burnt*: on this rollup
   the base fee is a floor price, not a burn, so the total supply of ether is conserved by every
   transaction (sender pays exactly what the coinbase receives). A coinbase left empty is removed
   as Ethereum does, and so are accounts the transaction touched and left empty (EIP-161).

The receipt carries the status (1 success, 0 failure), ``gas_used`` after the refund, the logs of
a successful execution and the created contract's address.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from l2.crypto import contract_address
from l2.state.world import WorldState
from l2.tx import (
    FeeError,
    LegacyTx,
    Log,
    Receipt,
    Transaction,
    TxError,
    effective_gas_price,
    intrinsic_gas,
)
from l2.vm import BlockEnv, Message, MessageResult, TxEnv, begin_transaction, process_message_call
from l2.vm.trace import ExecutionTrace

__all__ = [
    "InvalidTransaction",
    "EstimateError",
    "TxOutcome",
    "CallResult",
    "REFUND_QUOTIENT",
    "MAX_NONCE",
    "check_transaction",
    "apply_transaction",
    "call",
    "estimate_gas",
]

REFUND_QUOTIENT = 5  # EIP-3529: at most a fifth of the gas used is refunded
MAX_NONCE = 2**64 - 1  # EIP-2681: an account nonce never reaches this
ESTIMATE_MARGIN = 5  # estimates add one part in five (20%) on top of the gas a run needed


class InvalidTransaction(TxError):
    """A transaction that cannot be included in this state (wrong nonce, funds, gas, fees)."""


class EstimateError(TxError):
    """Gas estimation found no gas limit under which the execution succeeds."""


@dataclass(frozen=True)
class TxOutcome:
    """What applying one transaction did."""

    receipt: Receipt
    gas_used: int  # after the refund: what the sender paid for
    gas_refund: int  # the EIP-3529 refund granted
    effective_gas_price: int
    fee: int  # gas_used · effective_gas_price, credited to the coinbase
    result: MessageResult
    trace: ExecutionTrace | None
    contract_address: bytes | None

    @property
    def success(self) -> bool:
        return self.receipt.status == 1


@dataclass(frozen=True)
class CallResult:
    """A read-only execution (``eth_call``): status, return data and the gas it used."""

    status: str  # success | revert | error
    output: bytes
    gas_used: int  # intrinsic gas + execution gas, before refunds
    error: str | None
    created_address: bytes | None = None

    @property
    def success(self) -> bool:
        return self.status == "success"


def _access_list(tx: Transaction) -> list[tuple[bytes, list[int]]]:
    return [(e.address, [int.from_bytes(k, "big") for k in e.storage_keys]) for e in tx.access_list]


def check_transaction(
    state: WorldState, tx: Transaction, sender: bytes, block_env: BlockEnv, gas_available: int | None = None
) -> int:
    """Raise :class:`InvalidTransaction` unless ``tx`` can be included now; return its effective price.

    Reads the state only (no change). ``gas_available`` is the gas left in the batch.
    """
    limit = block_env.gas_limit if gas_available is None else gas_available
    if tx.gas > limit:
        raise InvalidTransaction(f"gas limit {tx.gas} above the gas left in the batch ({limit})")
    needed = intrinsic_gas(tx)
    if tx.gas < needed:
        raise InvalidTransaction(f"gas limit {tx.gas} below intrinsic gas {needed}")
    try:
        price = effective_gas_price(tx, block_env.base_fee)
    except FeeError as exc:
        raise InvalidTransaction(str(exc)) from None
    nonce = state.get_nonce(sender)
    if tx.nonce != nonce:
        word = "already used" if tx.nonce < nonce else "too high"
        raise InvalidTransaction(f"nonce {tx.nonce} {word} (account nonce is {nonce})")
    if nonce >= MAX_NONCE - 1:
        raise InvalidTransaction(f"account nonce {nonce} cannot be incremented (EIP-2681)")
    if state.get_code(sender):
        raise InvalidTransaction(f"sender 0x{sender.hex()} is a contract (EIP-3607)")
    cost = tx.gas * tx.max_fee_per_gas + tx.value
    balance = state.get_balance(sender)
    if balance < cost:
        raise InvalidTransaction(
            f"insufficient funds: balance {balance} wei, gas × max fee + value needs {cost} wei"
        )
    return price


def _to_log(log: Any) -> Log:
    return Log(log.address, tuple(t.to_bytes(32, "big") for t in log.topics), bytes(log.data))


def apply_transaction(
    state: WorldState,
    tx: Transaction,
    sender: bytes,
    block_env: BlockEnv,
    *,
    tracer: Any = None,
    gas_available: int | None = None,
    cumulative_gas_used: int = 0,
) -> TxOutcome:
    """Apply ``tx`` (signed by ``sender``, already recovered) to ``state``; see the module docstring.

    Raises :class:`InvalidTransaction` (state untouched) when the transaction cannot be included.
    ``tracer`` (e.g. a :class:`~l2.vm.trace.TraceRecorder`) records the VM execution.
    """
    price = check_transaction(state, tx, sender, block_env, gas_available)
    created = contract_address(sender, tx.nonce) if tx.is_create else None
    target = created if tx.to is None else tx.to
    begin_transaction(
        state, origin=sender, target=target, coinbase=block_env.coinbase, access_list=_access_list(tx)
    )

    # buy the whole gas limit at the effective price, then bump the nonce
    state.set_balance(sender, state.get_balance(sender) - tx.gas * price)
    state.increment_nonce(sender)

    message = Message(
        caller=sender,
        target=tx.to,
        current_target=target,
        gas=tx.gas - intrinsic_gas(tx),
        value=tx.value,
        data=b"" if tx.is_create else tx.data,
        code=tx.data if tx.is_create else state.get_code(tx.to),
        depth=0,
        code_address=tx.to,
        should_transfer_value=True,
        is_static=False,
    )
    result = process_message_call(message, state, block_env, TxEnv(origin=sender, gas_price=price), tracer)

    # EIP-3529: gas_used = used - min(refund, used // 5)
    used = tx.gas - result.gas_left
    refund = min(result.refund, used // REFUND_QUOTIENT)
    gas_used = used - refund
    state.set_balance(sender, state.get_balance(sender) + (tx.gas - gas_used) * price)

    # every wei paid for gas goes to the fee recipient (no burn; see the module docstring)
    fee = gas_used * price
    coinbase = block_env.coinbase
    coinbase_balance = state.get_balance(coinbase) + fee
    if coinbase_balance:
        state.set_balance(coinbase, coinbase_balance)
    elif state.account_exists_and_is_empty(coinbase):
        state.delete_account(coinbase)
    state.destroy_touched_empty()

    success = result.status == "success"
    receipt = Receipt(
        status=1 if success else 0,
        gas_used=gas_used,
        cumulative_gas_used=cumulative_gas_used + gas_used,
        logs=tuple(_to_log(log) for log in result.logs) if success else (),
        contract_address=result.created_address if success else None,
    )
    trace = getattr(tracer, "trace", None) if tracer is not None else None
    return TxOutcome(
        receipt=receipt,
        gas_used=gas_used,
        gas_refund=refund,
        effective_gas_price=price,
        fee=fee,
        result=result,
        trace=trace,
        contract_address=receipt.contract_address,
    )


def _probe(
    state: WorldState,
    *,
    sender: bytes,
    to: bytes | None,
    data: bytes,
    value: int,
    gas: int,
    block_env: BlockEnv,
    gas_price: int,
    tracer: Any = None,
) -> CallResult:
    """Run a message as a transaction would, without buying gas or touching the sender's nonce.

    Everything it changes is reverted before it returns.
    """
    fake = LegacyTx(chain_id=max(block_env.chain_id, 1), nonce=0, gas_price=0, gas=gas, to=to, value=value, data=data)
    intrinsic = intrinsic_gas(fake)
    if gas < intrinsic:
        return CallResult("error", b"", gas, "IntrinsicGasTooLow")
    snapshot = state.snapshot()
    try:
        if value and state.get_balance(sender) < value:
            raise InvalidTransaction(f"insufficient funds: balance {state.get_balance(sender)} wei below value {value}")
        created = contract_address(sender, state.get_nonce(sender)) if to is None else None
        target = created if to is None else to
        begin_transaction(state, origin=sender, target=target, coinbase=block_env.coinbase)
        if to is None:
            # a creation bumps the creator's nonce before running initcode, as a real one does
            state.increment_nonce(sender)
        message = Message(
            caller=sender,
            target=to,
            current_target=target,
            gas=gas - intrinsic,
            value=value,
            data=b"" if to is None else data,
            code=data if to is None else state.get_code(to),
            depth=0,
            code_address=to,
            should_transfer_value=True,
            is_static=False,
        )
        result = process_message_call(
            message, state, block_env, TxEnv(origin=sender, gas_price=gas_price), tracer
        )
        return CallResult(
            result.status, result.output, gas - result.gas_left, result.error, result.created_address
        )
    finally:
        state.revert(snapshot)
        state.begin_transaction()


def call(
    state: WorldState,
    *,
    to: bytes | None,
    data: bytes = b"",
    sender: bytes = bytes(20),
    value: int = 0,
    gas: int | None = None,
    block_env: BlockEnv,
    tracer: Any = None,
) -> CallResult:
    """Read-only execution on ``state`` (like ``eth_call``): nothing it does is kept.

    ``gas`` defaults to the block gas limit; ``gas_used`` counts the intrinsic gas a transaction
    with this data would pay, so it is the gas limit such a transaction needs (before refunds).
    """
    return _probe(
        state,
        sender=sender,
        to=to,
        data=data,
        value=value,
        gas=block_env.gas_limit if gas is None else gas,
        block_env=block_env,
        gas_price=block_env.base_fee,
        tracer=tracer,
    )


def estimate_gas(
    state: WorldState,
    *,
    sender: bytes,
    to: bytes | None,
    data: bytes = b"",
    value: int = 0,
    block_env: BlockEnv,
    cap: int | None = None,
) -> int:
    """A gas limit under which the transaction succeeds: the gas one run needed plus 20%, capped.

    Runs on ``state`` and reverts everything. A plain transfer to an account without code needs
    exactly its intrinsic gas (21,000 without data), which is returned as is. Raises
    :class:`EstimateError` when the execution fails even with ``cap`` (default: block gas limit).
    """
    cap = block_env.gas_limit if cap is None else cap
    kwargs = dict(sender=sender, to=to, data=data, value=value, block_env=block_env, gas_price=block_env.base_fee)
    if to is not None and not state.get_code(to):
        fake = LegacyTx(chain_id=max(block_env.chain_id, 1), nonce=0, gas_price=0, gas=0, to=to, value=value, data=data)
        return intrinsic_gas(fake)
    first = _probe(state, gas=cap, **kwargs)
    if not first.success:
        detail = f": {first.error}" if first.error else ""
        raise EstimateError(f"gas estimation failed: execution {first.status}s with {cap} gas{detail}")
    candidate = min(cap, first.gas_used + first.gas_used // ESTIMATE_MARGIN)
    if _probe(state, gas=candidate, **kwargs).success:
        return candidate
    # the 63/64 rule can make a call need more than it used: find the least limit that succeeds
    lo, hi = candidate, cap
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _probe(state, gas=mid, **kwargs).success:
            hi = mid
        else:
            lo = mid
    return min(cap, hi + hi // ESTIMATE_MARGIN)
