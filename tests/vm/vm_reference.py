"""
Run the same message on this VM and on py-evm (CancunVM) and compare.

Both sides start from the same accounts, with the caller and the target
warm (precompiles are warm in both), run one top-level message and report
status, output, gas left, refund counter, logs and the resulting accounts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eth.constants import BLANK_ROOT_HASH, CREATE_CONTRACT_ADDRESS
from eth.db.atomic import AtomicDB
from eth.exceptions import Revert as PyEvmRevert
from eth.vm.execution_context import ExecutionContext
from eth.vm.forks.cancun.computation import CancunComputation
from eth.vm.forks.cancun.state import CancunState
from eth.vm.forks.cancun.transaction_context import CancunTransactionContext
from eth.vm.message import Message as PyEvmMessage

from l2.state.world import Account, WorldState
from l2.vm import BlockEnv, Message, TxEnv, begin_transaction, process_message_call

BLOCK = BlockEnv(number=7, timestamp=1_700_000_000, base_fee=9, chain_id=1337, coinbase=b"\xcb" * 20)
ORIGIN = b"\x0e" * 20
GAS_PRICE = 13


@dataclass
class Outcome:
    status: str
    output: bytes
    gas_left: int
    refund: int
    logs: list[tuple[bytes, tuple[int, ...], bytes]]
    accounts: dict[bytes, tuple[int, int, bytes, dict[int, int]]] = field(default_factory=dict)

    def summary(self) -> dict:
        return {
            "status": self.status,
            "output": self.output.hex(),
            "gas_left": self.gas_left,
            "refund": self.refund,
            "logs": self.logs,
        }


def _snapshot_accounts(get, addresses, slots_of):
    out = {}
    for address in sorted(addresses):
        nonce, balance, code = get.nonce(address), get.balance(address), get.code(address)
        storage = {}
        for slot in sorted(slots_of(address)):
            value = get.storage(address, slot)
            if value:
                storage[slot] = value
        if nonce or balance or code or storage:
            out[address] = (nonce, balance, code, storage)
    return out


def run_ours(
    accounts: dict[bytes, Account],
    caller: bytes,
    target: bytes | None,
    gas: int,
    value: int = 0,
    data: bytes = b"",
    create_address: bytes | None = None,
    initcode: bytes = b"",
    tracer=None,
) -> tuple[Outcome, WorldState]:
    state = WorldState(accounts)
    current = create_address if target is None else target
    # py-evm warms the coinbase in every computation (EIP-3651)
    begin_transaction(state, ORIGIN, current, coinbase=BLOCK.coinbase)
    state.warm_address(caller)
    message = Message(
        caller=caller,
        target=target,
        current_target=current,
        gas=gas,
        value=value,
        data=b"" if target is None else data,
        code=initcode if target is None else state.get_code(target),
        code_address=target,
    )
    result = process_message_call(message, state, BLOCK, TxEnv(ORIGIN, GAS_PRICE), tracer)
    logs = [(log.address, tuple(log.topics), log.data) for log in result.logs]
    return Outcome(result.status, result.output, result.gas_left, result.refund, logs), state


class _OurGetter:
    def __init__(self, state: WorldState):
        self.s = state

    def nonce(self, a):
        return self.s.get_nonce(a)

    def balance(self, a):
        return self.s.get_balance(a)

    def code(self, a):
        return self.s.get_code(a)

    def storage(self, a, slot):
        return self.s.peek_storage(a, slot)


class _PyEvmGetter:
    def __init__(self, state: CancunState):
        self.s = state

    def nonce(self, a):
        return self.s.get_nonce(a)

    def balance(self, a):
        return self.s.get_balance(a)

    def code(self, a):
        return self.s.get_code(a)

    def storage(self, a, slot):
        return self.s.get_storage(a, slot)


def run_pyevm(
    accounts: dict[bytes, Account],
    caller: bytes,
    target: bytes | None,
    gas: int,
    value: int = 0,
    data: bytes = b"",
    create_address: bytes | None = None,
    initcode: bytes = b"",
) -> tuple[Outcome, CancunState]:
    context = ExecutionContext(
        coinbase=BLOCK.coinbase,
        timestamp=BLOCK.timestamp,
        block_number=BLOCK.number,
        difficulty=0,
        mix_hash=b"\x00" * 32,
        gas_limit=BLOCK.gas_limit,
        prev_hashes=(),
        chain_id=BLOCK.chain_id,
        base_fee_per_gas=BLOCK.base_fee,
        excess_blob_gas=0,
    )
    state = CancunState(AtomicDB(), context, BLANK_ROOT_HASH)
    for address, account in accounts.items():
        state.set_nonce(address, account.nonce)
        state.set_balance(address, account.balance)
        state.set_code(address, account.code)
        for slot, v in account.storage.items():
            state.set_storage(address, slot, v)
    state.lock_changes()
    current = create_address if target is None else target
    state.mark_address_warm(ORIGIN)
    state.mark_address_warm(caller)
    state.mark_address_warm(current)
    tx_context = CancunTransactionContext(gas_price=GAS_PRICE, origin=ORIGIN)
    if target is None:
        message = PyEvmMessage(
            gas=gas,
            to=CREATE_CONTRACT_ADDRESS,
            sender=caller,
            value=value,
            data=b"",
            code=initcode,
            create_address=create_address,
        )
        if state.has_code_or_nonce(create_address):
            raise ValueError("collision")
        computation = CancunComputation.apply_create_message(state, message, tx_context)
    else:
        message = PyEvmMessage(
            gas=gas, to=target, sender=caller, value=value, data=data, code=state.get_code(target)
        )
        computation = CancunComputation.apply_message(state, message, tx_context)
    if computation.is_success:
        status = "success"
    elif isinstance(computation.error, PyEvmRevert):
        status = "revert"
    else:
        status = "error"
    logs = [
        (address, tuple(topics), bytes(log_data))
        for address, topics, log_data in computation.get_log_entries()
    ]
    output = computation.output if status != "error" else b""
    return (
        Outcome(
            status,
            output,
            computation.get_gas_remaining(),
            computation.get_gas_refund(),
            logs,
        ),
        state,
    )


def compare(
    accounts: dict[bytes, Account],
    caller: bytes,
    target: bytes | None,
    gas: int,
    value: int = 0,
    data: bytes = b"",
    create_address: bytes | None = None,
    initcode: bytes = b"",
    extra_addresses: tuple[bytes, ...] = (),
    extra_slots: tuple[int, ...] = (),
) -> tuple[Outcome, Outcome]:
    """Run on both VMs; returns (ours, reference) with the final accounts filled in."""
    ours, our_state = run_ours(accounts, caller, target, gas, value, data, create_address, initcode)
    ref, ref_state = run_pyevm(accounts, caller, target, gas, value, data, create_address, initcode)
    addresses = set(accounts) | set(our_state) | set(extra_addresses) | {caller}
    if create_address is not None:
        addresses.add(create_address)

    def slots_of(address):
        slots = set(extra_slots)
        if address in accounts:
            slots |= set(accounts[address].storage)
        slots |= set(our_state.storage_items(address))
        return slots

    ours.accounts = _snapshot_accounts(_OurGetter(our_state), addresses, slots_of)
    ref.accounts = _snapshot_accounts(_PyEvmGetter(ref_state), addresses, slots_of)
    return ours, ref


CALLER = bytes.fromhex("ca11e70000000000000000000000000000000001")
CONTRACT = bytes.fromhex("c0de000000000000000000000000000000000001")


def run_code_both(
    code: bytes,
    data: bytes = b"",
    gas: int = 1_000_000,
    value: int = 0,
    storage: dict[int, int] | None = None,
    extra_accounts: dict[bytes, Account] | None = None,
    contract_balance: int = 0,
    slots: tuple[int, ...] = (),
    contract_nonce: int = 0,
) -> tuple[Outcome, Outcome]:
    """Run ``code`` as the contract at CONTRACT on both VMs and assert they agree."""
    accounts = {
        CALLER: Account(balance=10**18),
        CONTRACT: Account(contract_nonce, contract_balance, code, dict(storage or {})),
    }
    accounts.update(extra_accounts or {})
    ours, ref = compare(accounts, CALLER, CONTRACT, gas, value, data, extra_slots=slots)
    assert ours.summary() == ref.summary()
    assert ours.accounts == ref.accounts
    return ours, ref


def returns_word(ops: bytes) -> bytes:
    """``ops`` then MSTORE the top of the stack at 0 and RETURN 32 bytes."""
    return ops + bytes([0x5F, 0x52, 0x60, 0x20, 0x5F, 0xF3])


def push(value: int) -> bytes:
    """The shortest PUSH of ``value`` (PUSH0 for zero)."""
    if value == 0:
        return b"\x5f"
    width = (value.bit_length() + 7) // 8
    return bytes([0x5F + width]) + value.to_bytes(width, "big")


def push_args(*values: int) -> bytes:
    """PUSHes such that ``values[0]`` ends on top of the stack."""
    return b"".join(push(v) for v in reversed(values))
