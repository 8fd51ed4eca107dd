"""Ethereum gas for the simulated L1: the schedule, a per-transaction meter, a STARK verifier cost model.

The schedule
------------
Every price is a named constant below, with the EIP (or the Yellow Paper fee schedule, "YP") it comes
from, as of Prague (the Pectra upgrade, May 2025). A transaction is charged as the execution specs'
Prague ``process_transaction`` does::

    used      = base + calldata + execution                   base = 21,000 (+ 32,000 + 2/word to create)
    refund    = min(used // 5, refund_counter)                EIP-3529 (no refund when the call failed)
    gas_used  = max(used - refund, 21,000 + 10 * tokens)      EIP-7623

where ``tokens = zero_bytes + 4 * nonzero_bytes`` and ``calldata = 4 * tokens = 4 * zero + 16 * nonzero``
(EIP-2028). Without refunds this is EIP-7623's ``21000 + max(4 * tokens + execution_gas_used,
10 * tokens)`` term for term; the refund is taken before the floor is applied, as the specs do. A
transaction that posts much data and computes little (a rollup's batch data in calldata) pays the
floor: 10/40 gas per zero/non-zero byte instead of 4/16 — the reason rollups post data in blobs.

:class:`GasMeter` accumulates gas by category so reports can separate the **calldata gas** from the
**execution gas**: the base and calldata charges are intrinsic, everything else is execution
(``sload``, ``sstore``, ``keccak``, ``ecrecover``, ``log``, ``call``, ``verifier:*``, ``compute``).
What a contract's Python code does is free; only the operations it performs through the metered
APIs cost gas (storage, hashing, precompiles, events, calls, value transfers), plus what it charges
itself through the verifier cost model or ``charge(category, gas)``. Memory expansion, ABI decoding
and function dispatch, a few hundred gas per call on Ethereum, are not modeled.

The STARK verifier cost model
-----------------------------
:func:`stark_verifier_gas` prices the work of verifying a proof as an EVM verifier contract would
spend it, from counts the caller takes from the proof (:class:`StarkVerifierWork`). The per-unit
prices (:class:`VerifierPrices`) are built from opcode prices, each derivation beside its constant:

=====================  ==========  ======================================================================
unit                   gas         EVM sequence
=====================  ==========  ======================================================================
Merkle node, keccak    105         load sibling, order by index bit, 2 MSTORE, KECCAK256 of 64 bytes
                                   (30 + 2·6), shift index, loop
Merkle node, blake2b   212         as above with a STATICCALL (100, warm: precompiles are always warm,
                                   EIP-2929) to BLAKE2F (EIP-152, 1 gas per round, 12 rounds)
message hash, keccak   65 + 9/word CALLDATACOPY (3/word) + KECCAK256 (30 + 6/word) + bookkeeping
message hash, blake2b  35 + 182/   one BLAKE2F call per 128-byte block (copy, counter, call, chain)
                       block
field mul              17          MULMOD (8) + PUSH4 p + 2 DUP; BabyBear needs no Montgomery form
field add              6           ADD + DUP: sums stay unreduced (a word holds 2^194 of them), the
                                   next MULMOD or MOD reduces them
field exp / inverse    346         MODEXP precompile (EIP-2565 minimum 200: a 31-bit exponent is
                                   well under it) + STATICCALL + operands + check
ext mul (quintic)      432         25 MUL of 31-bit limbs, 16 ADD, fold 4 high terms (x^5 = 2), 5 MOD,
                                   10 MLOAD, 5 MSTORE, 50 DUP
ext add / sub          75          5 × (2 MLOAD, ADD p, SUB/ADD, MSTORE)
ext × base             70          5 × (MLOAD, DUP, MUL, MSTORE)
ext inverse            1,569       norm map: 2 ext mul, 17 base mul (Frobenius twists, norm), one
                                   base inverse, one ext × base
FRI fold (arity 2)     935         3 ext add, 2 ext × base, 1 ext mul, square x⁻¹, reduce and compare
                                   with the next layer, index bit, loop
=====================  ==========  ======================================================================

The proof bytes themselves are calldata and are charged as such by the chain (16 gas per non-zero
byte, or the EIP-7623 floor), not by this model; for a STARK they are a large share of the cost.

For illustration (counts estimated for a proof shape, not taken from a proof of this project):
2^20 trace rows at blowup 8, 29 queries, 100 base and 20 extension columns and 18 FRI layers need
about 6,650 Merkle node hashes, 609 leaf hashes over 45 KB, 522 folds, 3,300 extension
multiplications and 16,000 extension additions (constraint evaluation and DEEP quotients). The
model prices that at ≈ 5.2 M gas with blake2b (≈ 4.4 M with keccak); the ≈ 240 KB proof adds
3.8 M of calldata gas at 16 per byte, and since that data outweighs the execution, the EIP-7623
floor sets the transaction at ≈ 9.6 M gas in all.

How this compares with what is published (all approximate; none of it is measured here):

* StarkWare's SHARP verifier on Ethereum spends roughly 2.5–6 M gas per STARK proof, split over
  several transactions (Merkle and FRI statements are registered first, then the proof is checked
  against them); the cost is shared by every program in the batch.
* Polygon zkEVM compresses its STARKs recursively into one FFLONK proof that L1 verifies for roughly
  200–250 k gas; a standard PLONK verifier, which needs more pairings, is quoted at 300–350 k.
* A Groth16 proof costs about 200–250 k gas: the pairing check with 4 pairings is 45,000 + 4·34,000
  = 181,000 gas (EIP-1108, exact), plus about 6,150 per public input (ECMUL + ECADD) and calldata.

A STARK verified directly on L1, as this model prices it, lands in the millions of gas: thousands of
Merkle hashes and a large proof in calldata, some 30–50 times a SNARK's cost. That is why production
rollups do not do it: they verify the STARK inside a SNARK (Groth16, PLONK, FFLONK) and post only
the SNARK, which L1 checks for a few hundred thousand gas whatever the batch size.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

__all__ = [
    # schedule
    "TX_BASE_GAS",
    "TX_CREATE_GAS",
    "INITCODE_WORD_GAS",
    "CALLDATA_ZERO_BYTE_GAS",
    "CALLDATA_NONZERO_BYTE_GAS",
    "STANDARD_TOKEN_COST",
    "TOTAL_COST_FLOOR_PER_TOKEN",
    "COLD_SLOAD_GAS",
    "WARM_STORAGE_READ_GAS",
    "COLD_ACCOUNT_ACCESS_GAS",
    "WARM_ACCOUNT_ACCESS_GAS",
    "SSTORE_SET_GAS",
    "SSTORE_RESET_GAS",
    "SSTORE_CLEARS_SCHEDULE",
    "SSTORE_SENTRY_GAS",
    "MAX_REFUND_QUOTIENT",
    "KECCAK256_GAS",
    "KECCAK256_WORD_GAS",
    "ECRECOVER_GAS",
    "LOG_GAS",
    "LOG_TOPIC_GAS",
    "LOG_DATA_GAS",
    "CALL_VALUE_GAS",
    "CALL_STIPEND",
    "NEW_ACCOUNT_GAS",
    "SELFBALANCE_GAS",
    # functions of the schedule
    "words",
    "calldata_tokens",
    "calldata_gas",
    "calldata_floor_gas",
    "intrinsic_gas",
    "keccak256_gas",
    "log_gas",
    "sload_gas",
    "sstore_gas",
    "call_gas",
    # meter
    "OutOfGas",
    "GasSettlement",
    "GasMeter",
    # verifier cost model
    "VerifierPrices",
    "KECCAK_PRICES",
    "BLAKE2B_PRICES",
    "StarkVerifierWork",
    "VerifierGas",
    "stark_verifier_gas",
]

# --------------------------------------------------------------------------------------------------
# The schedule

TX_BASE_GAS = 21_000  # YP G_transaction
TX_CREATE_GAS = 32_000  # YP G_txcreate (EIP-2): a transaction that creates a contract
INITCODE_WORD_GAS = 2  # EIP-3860: per 32-byte word of a creating transaction's data
CALLDATA_ZERO_BYTE_GAS = 4  # YP G_txdatazero
CALLDATA_NONZERO_BYTE_GAS = 16  # EIP-2028 (68 before Istanbul)
STANDARD_TOKEN_COST = 4  # EIP-7623: a zero byte is 1 token, a non-zero byte 4
TOTAL_COST_FLOOR_PER_TOKEN = 10  # EIP-7623

COLD_SLOAD_GAS = 2_100  # EIP-2929: first access to a storage slot in a transaction
WARM_STORAGE_READ_GAS = 100  # EIP-2929: every later access
COLD_ACCOUNT_ACCESS_GAS = 2_600  # EIP-2929: first access to an account (CALL, BALANCE, ...)
WARM_ACCOUNT_ACCESS_GAS = 100  # EIP-2929
SSTORE_SET_GAS = 20_000  # EIP-2200: a clean slot goes from zero to non-zero
SSTORE_RESET_GAS = 2_900  # EIP-2929: EIP-2200's 5,000 less the cold surcharge now charged separately
SSTORE_CLEARS_SCHEDULE = 4_800  # EIP-3529: refund for clearing a slot (SSTORE_RESET + 1,900)
SSTORE_SENTRY_GAS = 2_300  # EIP-2200: SSTORE fails when no more than this is left
MAX_REFUND_QUOTIENT = 5  # EIP-3529: the refund is at most a fifth of the gas used

KECCAK256_GAS = 30  # YP G_keccak256
KECCAK256_WORD_GAS = 6  # YP G_keccak256word, per 32-byte word (rounded up)
ECRECOVER_GAS = 3_000  # YP, precompile 0x01
LOG_GAS = 375  # YP G_log
LOG_TOPIC_GAS = 375  # YP G_logtopic
LOG_DATA_GAS = 8  # YP G_logdata, per byte
CALL_VALUE_GAS = 9_000  # YP G_callvalue: a CALL that moves value
CALL_STIPEND = 2_300  # YP G_callstipend: given to the callee of a value call, returned if unused
NEW_ACCOUNT_GAS = 25_000  # YP G_newaccount, EIP-161: value sent to an empty account
SELFBALANCE_GAS = 5  # EIP-1884


def words(nbytes: int) -> int:
    """Number of 32-byte words covering ``nbytes`` bytes."""
    return (nbytes + 31) // 32


def calldata_tokens(data: bytes) -> int:
    """EIP-7623 tokens: one per zero byte, four per non-zero byte."""
    zeros = data.count(0)
    return zeros + 4 * (len(data) - zeros)


def calldata_gas(data: bytes) -> int:
    """EIP-2028 calldata cost: 4 per zero byte, 16 per non-zero byte (= 4 per token)."""
    return STANDARD_TOKEN_COST * calldata_tokens(data)


def calldata_floor_gas(data: bytes) -> int:
    """EIP-7623: the least gas a transaction carrying ``data`` uses, 21,000 + 10 per token."""
    return TX_BASE_GAS + TOTAL_COST_FLOOR_PER_TOKEN * calldata_tokens(data)


def intrinsic_gas(data: bytes, *, create: bool = False) -> int:
    """Gas charged before execution: base, calldata, and for a creation the CREATE and initcode cost."""
    gas = TX_BASE_GAS + calldata_gas(data)
    if create:
        gas += TX_CREATE_GAS + INITCODE_WORD_GAS * words(len(data))
    return gas


def keccak256_gas(nbytes: int) -> int:
    """KECCAK256 of ``nbytes`` bytes: 30 + 6 per word."""
    return KECCAK256_GAS + KECCAK256_WORD_GAS * words(nbytes)


def log_gas(topics: int, nbytes: int) -> int:
    """LOG0..LOG4: 375 + 375 per topic + 8 per data byte."""
    if not 0 <= topics <= 4:
        raise ValueError(f"a log has 0 to 4 topics, not {topics}")
    return LOG_GAS + LOG_TOPIC_GAS * topics + LOG_DATA_GAS * nbytes


def sload_gas(cold: bool) -> int:
    """SLOAD (EIP-2929)."""
    return COLD_SLOAD_GAS if cold else WARM_STORAGE_READ_GAS


def sstore_gas(original: int, current: int, new: int, cold: bool) -> tuple[int, int]:
    """SSTORE's gas and the change of the refund counter (EIP-2200 as amended by EIP-2929 and EIP-3529).

    ``original`` is the slot's value when the transaction began, ``current`` its value now, ``new``
    the value written; ``cold`` whether the slot was not yet accessed in this transaction.
    """
    gas = COLD_SLOAD_GAS if cold else 0
    if original == current and current != new:
        # the first write to a clean slot pays for the change
        gas += SSTORE_SET_GAS if original == 0 else SSTORE_RESET_GAS
    else:
        # a no-op, or a slot already dirtied in this transaction
        gas += WARM_STORAGE_READ_GAS
    refund = 0
    if current != new:
        if original != 0 and current != 0 and new == 0:
            refund += SSTORE_CLEARS_SCHEDULE  # cleared in this transaction
        if original != 0 and current == 0:
            refund -= SSTORE_CLEARS_SCHEDULE  # un-cleared: take back the refund given earlier
        if original == new:
            # restored to the original value: refund what the first write paid beyond a warm access
            if original == 0:
                refund += SSTORE_SET_GAS - WARM_STORAGE_READ_GAS
            else:
                refund += SSTORE_RESET_GAS - WARM_STORAGE_READ_GAS
    return gas, refund


def call_gas(*, cold: bool, value: bool, new_account: bool) -> int:
    """Net gas of a CALL to an account, before what the callee itself spends.

    The caller pays the account access (EIP-2929), 9,000 for moving value and 25,000 when value goes
    to an empty account (EIP-161); the callee receives a 2,300 stipend on top of the forwarded gas and
    returns what it does not use, so the caller's net cost is that sum less the stipend, plus the
    callee's own gas (charged as the callee runs).
    """
    gas = COLD_ACCOUNT_ACCESS_GAS if cold else WARM_ACCOUNT_ACCESS_GAS
    if value:
        gas += CALL_VALUE_GAS - CALL_STIPEND
        if new_account:
            gas += NEW_ACCOUNT_GAS
    return gas


# --------------------------------------------------------------------------------------------------
# The meter


class OutOfGas(Exception):
    """The transaction ran out of its gas limit: it fails and uses all of it."""


@dataclass(frozen=True)
class GasSettlement:
    """How a transaction's gas came together (see the module docstring for the formula)."""

    base_gas: int  # 21,000, plus the creation charges for a deployment
    calldata_gas: int  # EIP-2028 cost of the transaction's data
    execution_gas: int  # everything the call spent, before refunds
    refund: int  # refund applied (EIP-3529 cap; 0 when the call failed)
    floor_gas: int  # EIP-7623 floor: 21,000 + 10 per calldata token
    gas_used: int
    by_category: dict[str, int] = field(default_factory=dict)  # execution gas by category

    @property
    def floor_applied(self) -> bool:
        """Whether the transaction paid the EIP-7623 floor rather than its standard cost."""
        return self.base_gas + self.calldata_gas + self.execution_gas - self.refund < self.floor_gas


class GasMeter:
    """Gas of one transaction, by category; raises :class:`OutOfGas` past ``limit`` (None: no limit).

    ``start(data, create=...)`` charges the intrinsic gas; the execution helpers (``sload``,
    ``sstore``, ``keccak``, ``ecrecover``, ``log``, ``call``) and ``charge(category, gas)`` add
    execution gas; ``settle(success=...)`` applies refunds and the EIP-7623 floor.
    """

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        self.base_gas = 0
        self.calldata_gas = 0
        self.floor_gas = TX_BASE_GAS
        self.by_category: dict[str, int] = {}
        self.refund_counter = 0

    # -- intrinsic

    def start(self, data: bytes, *, create: bool = False) -> None:
        """Charge the intrinsic gas of a transaction carrying ``data`` and record its EIP-7623 floor."""
        self.calldata_gas = calldata_gas(data)
        self.base_gas = intrinsic_gas(data, create=create) - self.calldata_gas
        self.floor_gas = calldata_floor_gas(data)
        self._check()

    # -- execution

    @property
    def execution_gas(self) -> int:
        return sum(self.by_category.values())

    @property
    def used(self) -> int:
        """Gas used so far, before refunds."""
        return self.base_gas + self.calldata_gas + self.execution_gas

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else self.limit - self.used

    def charge(self, category: str, gas: int) -> None:
        """Add ``gas`` of execution to ``category``."""
        if gas < 0:
            raise ValueError(f"negative gas charge {gas} to {category!r}")
        if self.limit is not None and self.used + gas > self.limit:
            raise OutOfGas(f"out of gas: {category} needs {gas}, {self.limit - self.used} left")
        self.by_category[category] = self.by_category.get(category, 0) + gas

    def sload(self, cold: bool) -> None:
        self.charge("sload", sload_gas(cold))

    def sstore(self, original: int, current: int, new: int, cold: bool) -> None:
        remaining = self.remaining
        if remaining is not None and remaining <= SSTORE_SENTRY_GAS:
            raise OutOfGas("SSTORE with no more than 2,300 gas left (EIP-2200)")
        gas, refund = sstore_gas(original, current, new, cold)
        self.refund_counter += refund
        self.charge("sstore", gas)

    def keccak(self, nbytes: int) -> None:
        self.charge("keccak", keccak256_gas(nbytes))

    def ecrecover(self) -> None:
        """A STATICCALL to the ecrecover precompile: warm access (precompiles are warm) + 3,000."""
        self.charge("ecrecover", WARM_ACCOUNT_ACCESS_GAS + ECRECOVER_GAS)

    def log(self, topics: int, nbytes: int) -> None:
        self.charge("log", log_gas(topics, nbytes))

    def call(self, *, cold: bool, value: bool, new_account: bool) -> None:
        self.charge("call", call_gas(cold=cold, value=value, new_account=new_account))

    def _check(self) -> None:
        if self.limit is not None and self.used > self.limit:
            raise OutOfGas(f"intrinsic gas {self.used} exceeds the gas limit {self.limit}")

    # -- settlement

    def settle(self, *, success: bool, out_of_gas: bool = False) -> GasSettlement:
        """The transaction's gas: refund (only on success) capped at used // 5, then the EIP-7623 floor.

        A transaction that ran out of gas uses its whole limit.
        """
        used = self.used
        if out_of_gas:
            if self.limit is None:
                raise ValueError("out of gas without a gas limit")
            refund, gas_used = 0, self.limit
        else:
            refund = min(used // MAX_REFUND_QUOTIENT, max(self.refund_counter, 0)) if success else 0
            gas_used = max(used - refund, self.floor_gas)
        return GasSettlement(
            base_gas=self.base_gas,
            calldata_gas=self.calldata_gas,
            execution_gas=self.execution_gas,
            refund=refund,
            floor_gas=self.floor_gas,
            gas_used=gas_used,
            by_category=dict(self.by_category),
        )


# --------------------------------------------------------------------------------------------------
# The STARK verifier cost model

# Opcode prices the model is built from (YP fee schedule).
G_VERYLOW = 3  # ADD SUB SHL SHR AND EQ LT ISZERO MLOAD MSTORE CALLDATALOAD PUSH DUP SWAP
G_LOW = 5  # MUL DIV MOD
G_MID = 8  # ADDMOD MULMOD
G_HIGH = 10  # JUMPI
G_JUMPDEST = 1
BLAKE2F_ROUND_GAS = 1  # EIP-152
BLAKE2B_ROUNDS = 12  # blake2b's compression function has 12 rounds
MODEXP_MIN_GAS = 200  # EIP-2565 (Osaka's EIP-7883 raises it to 500; priced here at Prague)

_LOOP = 2 * G_VERYLOW + G_HIGH + G_JUMPDEST  # counter ADD, LT, JUMPI, JUMPDEST = 17
_INDEX_BIT = 3 * G_VERYLOW + G_HIGH  # DUP index, PUSH1 1, AND, JUMPI to order the children = 19
_SIBLING = 3 * G_VERYLOW  # PUSH offset, ADD pointer, CALLDATALOAD = 9
_NEXT_INDEX = 2 * G_VERYLOW  # PUSH1 1, SHR = 6
_STATICCALL = WARM_ACCOUNT_ACCESS_GAS + 6 * G_VERYLOW  # warm precompile + 6 stack arguments = 118
_CALL_CHECK = G_VERYLOW + G_HIGH  # ISZERO, JUMPI on the success flag = 13

# Merkle node = H(left || right) of two 32-byte digests
_MERKLE_NODE_KECCAK = (
    _SIBLING + _INDEX_BIT
    + 2 * G_VERYLOW + 2 * G_VERYLOW  # 2 MSTORE to scratch, PUSH offset and length
    + KECCAK256_GAS + 2 * KECCAK256_WORD_GAS  # KECCAK256 of 64 bytes = 42
    + _NEXT_INDEX + _LOOP
)  # = 105
_MERKLE_NODE_BLAKE2B = (
    _SIBLING + _INDEX_BIT
    + 2 * G_VERYLOW + 2 * G_VERYLOW  # 2 MSTORE of the children into the message block, 2 PUSH
    # (rounds, the parameter-adjusted IV, counter t = 64 and final flag are constant: written once)
    + _STATICCALL + BLAKE2B_ROUNDS * BLAKE2F_ROUND_GAS + _CALL_CHECK
    + 2 * G_VERYLOW  # MLOAD the first 32 bytes of the output state = the 256-bit digest
    + _NEXT_INDEX + _LOOP
)  # = 212
# message hash of n bytes (leaves of opened rows, transcript absorbs and draws)
_MESSAGE_KECCAK_FIXED = (
    G_VERYLOW  # CALLDATACOPY base
    + KECCAK256_GAS
    + 4 * G_VERYLOW  # PUSH/DUP pointer and length
    + G_VERYLOW  # MSTORE the digest
    + _LOOP
)  # = 65
_MESSAGE_KECCAK_PER_WORD = G_VERYLOW + KECCAK256_WORD_GAS  # CALLDATACOPY 3/word + KECCAK256 6/word = 9
_MESSAGE_BLAKE2B_FIXED = 4 * G_VERYLOW + 2 * G_VERYLOW + _LOOP  # init state (2 PUSH32 + 2 MSTORE), digest = 35
_MESSAGE_BLAKE2B_PER_BLOCK = (
    G_VERYLOW + 4 * G_VERYLOW  # CALLDATACOPY of a 128-byte block
    + 4 * G_VERYLOW  # byte counter t: ADD, byte-order, MSTORE; final flag
    + _STATICCALL + BLAKE2B_ROUNDS * BLAKE2F_ROUND_GAS + _CALL_CHECK
    + 4 * G_VERYLOW  # chain the output state into the next input (2 MLOAD + 2 MSTORE)
)  # = 182
# BabyBear (p < 2^31) arithmetic in 256-bit words
_FIELD_MUL = G_MID + G_VERYLOW + 2 * G_VERYLOW  # MULMOD, PUSH4 p, 2 DUP = 17
_FIELD_ADD = 2 * G_VERYLOW  # ADD, DUP; reduced lazily by the next MULMOD/MOD = 6
_FIELD_EXP = (
    MODEXP_MIN_GAS  # EIP-2565: max(200, 16 · 30 / 3) for 32-byte operands and a 31-bit exponent
    + _STATICCALL
    + 4 * G_VERYLOW  # MSTORE base and exponent (lengths and modulus are written once), 2 PUSH
    + G_VERYLOW + _CALL_CHECK  # MLOAD the result, check success
)  # = 346
# quintic extension F_p[x]/(x^5 - 2), elements as 5 limbs in memory
_EXT_MUL = (
    25 * G_LOW  # schoolbook products a_i·b_j, each < 2^62, no reduction
    + 16 * G_VERYLOW  # accumulate 25 products into 9 coefficients
    + 4 * 2 * G_VERYLOW  # c_k += 2·c_{k+5} for k < 4 (x^5 = 2): SHL, ADD
    + 5 * (G_LOW + G_VERYLOW)  # MOD p of the 5 results, PUSH p
    + 10 * G_VERYLOW + 5 * G_VERYLOW  # MLOAD the operands, MSTORE the result
    + 50 * G_VERYLOW  # DUP both factors of every product
)  # = 432
_EXT_ADD = 5 * 5 * G_VERYLOW  # per limb: 2 MLOAD, ADD p (keeps a difference non-negative), ADD/SUB, MSTORE = 75
_EXT_BASE_MUL = 5 * (3 * G_VERYLOW + G_LOW)  # per limb: MLOAD, DUP, MUL, MSTORE = 70
_EXT_INV = (
    2 * _EXT_MUL  # the product of the four Frobenius conjugates in two multiplications
    + 17 * _FIELD_MUL  # 3 Frobenius maps (4 constant products each) + the norm's constant term
    + _FIELD_EXP  # inverse of the norm, a base field element
    + _EXT_BASE_MUL  # conjugates / norm
)  # = 1,569
_FRI_FOLD = (
    3 * _EXT_ADD  # f(x) + f(-x), f(x) - f(-x), and the final sum
    + 2 * _EXT_BASE_MUL  # (f(x) - f(-x)) · x^-1 and the halving
    + _EXT_MUL  # times the folding challenge beta
    + _FIELD_MUL  # x^-1 squared for the next layer
    + 5 * (G_VERYLOW + G_VERYLOW + G_VERYLOW)  # MLOAD the next layer's value, EQ, AND into the verdict
    + 5 * (G_LOW + G_VERYLOW)  # MOD p of the folded limbs before comparing
    + _INDEX_BIT + _LOOP
)  # = 935


@dataclass(frozen=True)
class VerifierPrices:
    """Gas per unit of verifier work (see the table in the module docstring)."""

    hash: str  # the Merkle/transcript hash the verifier runs: "keccak256" or "blake2b"
    merkle_node: int  # one H(left || right) along an opening path
    message_fixed: int  # one hash of an opened row or a transcript input ...
    message_per_unit: int  # ... plus this per unit of its bytes
    message_unit_bytes: int  # 32 for keccak (words), 128 for blake2b (compression blocks)
    field_mul: int = _FIELD_MUL
    field_add: int = _FIELD_ADD
    field_exp: int = _FIELD_EXP
    ext_mul: int = _EXT_MUL
    ext_add: int = _EXT_ADD
    ext_base_mul: int = _EXT_BASE_MUL
    ext_inv: int = _EXT_INV
    fri_fold: int = _FRI_FOLD

    def message_gas(self, count: int, nbytes: int) -> int:
        """Gas of ``count`` hashes over ``nbytes`` bytes in total.

        Units are counted on the total (a hash of a partial unit pays a whole one, so this is low by
        at most one unit per hash); every blake2b hash runs at least one compression.
        """
        units = -(-nbytes // self.message_unit_bytes)
        if self.hash == "blake2b":
            units = max(units, count)
        return count * self.message_fixed + units * self.message_per_unit


KECCAK_PRICES = VerifierPrices(
    hash="keccak256",
    merkle_node=_MERKLE_NODE_KECCAK,
    message_fixed=_MESSAGE_KECCAK_FIXED,
    message_per_unit=_MESSAGE_KECCAK_PER_WORD,
    message_unit_bytes=32,
)
"""Prices of a verifier whose commitments and transcript use keccak-256 (the EVM's native hash)."""

BLAKE2B_PRICES = VerifierPrices(
    hash="blake2b",
    merkle_node=_MERKLE_NODE_BLAKE2B,
    message_fixed=_MESSAGE_BLAKE2B_FIXED,
    message_per_unit=_MESSAGE_BLAKE2B_PER_BLOCK,
    message_unit_bytes=128,
)
"""Prices of a verifier for this project's proofs, whose Merkle trees and transcript use blake2b-256."""


@dataclass(frozen=True)
class StarkVerifierWork:
    """What verifying one proof costs in units; every count defaults to 0.

    merkle_hashes       node hashes recomputed along all openings (trace, auxiliary, composition and
                        FRI layer trees; siblings shared between queries count once)
    leaf_hashes         opened rows hashed into leaves, and ``leaf_bytes`` the bytes they hold
    fri_folds           query × layer folding steps (arity 2)
    field_*             base field work: multiplications, additions, exponentiations and inversions
    ext_*               extension field work (constraint evaluation at the out-of-domain point, DEEP
                        quotients per query): multiplications, additions/subtractions, products by
                        a base element, inversions
    transcript_hashes   Fiat–Shamir absorbs and draws (and the grinding check), ``transcript_bytes``
                        the bytes they hash in total
    """

    merkle_hashes: int = 0
    leaf_hashes: int = 0
    leaf_bytes: int = 0
    fri_folds: int = 0
    field_muls: int = 0
    field_adds: int = 0
    field_exps: int = 0
    ext_muls: int = 0
    ext_adds: int = 0
    ext_base_muls: int = 0
    ext_inversions: int = 0
    transcript_hashes: int = 0
    transcript_bytes: int = 0

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) < 0:
                raise ValueError(f"{f.name} must be >= 0")


@dataclass(frozen=True)
class VerifierGas:
    """Gas of one verification by part; ``total`` is their sum."""

    parts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.parts.values())


def stark_verifier_gas(work: StarkVerifierWork, prices: VerifierPrices = BLAKE2B_PRICES) -> VerifierGas:
    """Execution gas an EVM contract spends verifying a proof with ``work``, split into parts.

    Parts: ``merkle`` (path hashes), ``leaves`` (row hashes), ``fri`` (folds), ``field`` (base field
    arithmetic), ``extension`` (extension field arithmetic), ``transcript`` (Fiat–Shamir hashes).
    """
    return VerifierGas({
        "merkle": work.merkle_hashes * prices.merkle_node,
        "leaves": prices.message_gas(work.leaf_hashes, work.leaf_bytes),
        "fri": work.fri_folds * prices.fri_fold,
        "field": work.field_muls * prices.field_mul + work.field_adds * prices.field_add
        + work.field_exps * prices.field_exp,
        "extension": work.ext_muls * prices.ext_mul + work.ext_adds * prices.ext_add
        + work.ext_base_muls * prices.ext_base_mul + work.ext_inversions * prices.ext_inv,
        "transcript": prices.message_gas(work.transcript_hashes, work.transcript_bytes),
    })
