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
from l2.vm.gas import init_code_cost

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


class DualState:
    """The same accounts in this VM and in py-evm, advanced message by message.

    Each message is its own transaction: per-transaction state (access
    sets, original storage values, transient storage) is reset before it.
    ``deploy`` bumps the sender's nonce first, as a creation transaction
    does, and creates at keccak(rlp([sender, nonce]))[12:].
    """

    def __init__(self, accounts: dict[bytes, Account]) -> None:
        self.ours = WorldState(accounts)
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
        self.ref = CancunState(AtomicDB(), context, BLANK_ROOT_HASH)
        for address, account in accounts.items():
            self.ref.set_nonce(address, account.nonce)
            self.ref.set_balance(address, account.balance)
            self.ref.set_code(address, account.code)
            for slot, value in account.storage.items():
                self.ref.set_storage(address, slot, value)
        self.ref.lock_changes()
        self.messages = 0

    def _run(self, sender: bytes, target: bytes | None, current: bytes, gas: int, value: int, data: bytes, code: bytes):
        from l2.vm import begin_transaction as begin

        self.ref.lock_changes()
        self.ref.clear_transient_storage()
        self.ref.mark_address_warm(sender)
        self.ref.mark_address_warm(current)
        begin(self.ours, sender, current, coinbase=BLOCK.coinbase)
        message = Message(
            caller=sender, target=target, current_target=current, gas=gas, value=value,
            data=data, code=code, code_address=target,
        )
        result = process_message_call(message, self.ours, BLOCK, TxEnv(sender, GAS_PRICE))
        tx_context = CancunTransactionContext(gas_price=GAS_PRICE, origin=sender)
        if target is None:
            # py-evm charges the EIP-3860 initcode cost inside the top-level
            # creation; the specs (and this VM) leave it to the intrinsic gas
            # of the transaction. Give py-evm that much more to compare.
            ref_message = PyEvmMessage(
                gas=gas + init_code_cost(len(code)), to=CREATE_CONTRACT_ADDRESS, sender=sender, value=value,
                data=b"", code=code, create_address=current,
            )
            computation = CancunComputation.apply_create_message(self.ref, ref_message, tx_context)
        else:
            ref_message = PyEvmMessage(gas=gas, to=target, sender=sender, value=value, data=data, code=code)
            computation = CancunComputation.apply_message(self.ref, ref_message, tx_context)
        if computation.is_success:
            status = "success"
        elif isinstance(computation.error, PyEvmRevert):
            status = "revert"
        else:
            status = "error"
        ours = Outcome(
            result.status, result.output, result.gas_left, result.refund,
            [(log.address, tuple(log.topics), log.data) for log in result.logs],
        )
        ref = Outcome(
            status, computation.output if status != "error" else b"", computation.get_gas_remaining(),
            computation.get_gas_refund(),
            [(a, tuple(t), bytes(d)) for a, t, d in computation.get_log_entries()],
        )
        if ours.summary() != ref.summary():
            differences = {k: (v, ref.summary()[k]) for k, v in ours.summary().items() if v != ref.summary()[k]}
            raise AssertionError(f"this VM and py-evm differ: {str(differences)[:2000]}")
        self.messages += 1
        return ours

    def deploy(self, sender: bytes, initcode: bytes, gas: int = 5_000_000, value: int = 0) -> tuple[bytes, Outcome]:
        from l2.vm import compute_contract_address

        nonce = self.ours.get_nonce(sender)
        assert nonce == self.ref.get_nonce(sender)
        address = compute_contract_address(sender, nonce)
        self.ours.set_nonce(sender, nonce + 1)
        self.ref.set_nonce(sender, nonce + 1)
        return address, self._run(sender, None, address, gas, value, b"", initcode)

    def call(self, sender: bytes, to: bytes, data: bytes, gas: int = 1_000_000, value: int = 0) -> Outcome:
        return self._run(sender, to, to, gas, value, data, self.ours.get_code(to))

    def assert_same_accounts(self, addresses, slots_of) -> None:
        ours = _snapshot_accounts(_OurGetter(self.ours), set(addresses), slots_of)
        ref = _snapshot_accounts(_PyEvmGetter(self.ref), set(addresses), slots_of)
        assert ours == ref
