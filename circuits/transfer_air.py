"""The transfer table: each transaction's effect on its three accounts, as the state accesses it makes.

What it proves
--------------
Joined with the state table in bus mode (:class:`~circuits.state_air.StateBusAir`, same challenges,
bus claims adding up to zero), one proof says: applying exactly the posted transactions, in order,
to the state with root R_prev gives root R_new.  A *plain transfer* is a call to an account without
code (not a precompile): nothing executes, so gas_used is the intrinsic gas and, with the effective
price p, the transaction does (Cancun rules as :mod:`l2.executor` applies them; no burn)::

    sender:     nonce n → n + 1,     balance b → b − value − fee,  b ≥ cost (the upfront check)
    recipient:  balance r → r + value
    fee recip.: balance c → c + fee
    fee = gas_used · p,   cost = gas_limit · max_fee_per_gas + the transaction's value

A *contract transaction* (``kind`` = 1: a call of an account with code, or a deployment) does the
same to the three balances and the sender's nonce, with the value moved (the transaction's value
when its execution succeeds, 0 otherwise) and the gas used that its execution proof gives, both
priced by the verifier into the row's public tuple.  Its recipient (for a deployment, the new
contract's address) has a code hash that the public tuple states before and after: for a call the
called code's hash both times, which the state table shows the account holds; for a deployment 0
(no account there) and then the deployed code's hash (0 if the deployment fails).  What the
execution does to storage, and the new contract's nonce, are accesses the verifier puts on the bus
itself, after this table's (see :mod:`l2.batch_proof`).

The state tree stores an account's code hash as a leaf: keccak-256 of its code for an account that
exists (for an account without code, the empty-code hash E = keccak-256(b"")), nothing (0) for an
account that does not.  An account without code therefore has code-hash leaf 0 or E, and the leaf
changes when a transfer creates the account: a sender always exists afterwards (its nonce is ≥ 1),
a recipient or fee recipient exists afterwards if it did before or receives a non-zero amount (an
account that ends a transaction empty is removed, EIP-161; no empty account lives in the state, so
"exists" means "non-empty").  Each transfer i therefore makes seven accesses, idx = 7i + j, all
writes::

    j = 0  sender code hash        e_s·E → E               (e_s ∈ {0, 1}: no code, EIP-3607)
    j = 1  sender nonce            n → n + 1               (n from the transaction)
    j = 2  sender balance          b → b − value − fee
    j = 3  recipient code hash     e_r·E → (e_r ∨ value ≠ 0)·E   (no code: nothing executes)
                                   contract row: h_old → h_new (public; e_r = e_r' = 0)
    j = 4  recipient balance       r → r + value
    j = 5  fee recipient code hash e_c·E → (e_c ∨ fee ≠ 0)·E
    j = 6  fee recipient balance   c → c + fee

on the access bus of the state table, with its tuple (idx, key[8], old limbs[16], new limbs[16],
is_write) and fingerprint φ = Σ_k γ^k·t_k (α = challenges[0], γ = challenges[1]).  The state table
shows each old value is what the tree holds at that point, so aliasing (sender = recipient, a
recipient that is the fee recipient, one sender sending several times) needs nothing here.

On a contract row (``kind`` = 1) the recipient's code-hash access carries the public h_old → h_new;
``kind·e_r = 0`` and ``kind·e_r' = 0`` keep the existence terms out of it, and the creation rule
``(1 − kind)·(e_r' − e_r − z + e_r·z) = 0`` (z: value ≠ 0) holds on transfer rows only.

Arithmetic (16-bit limbs, exact: every identity below holds over the integers because all its terms
are far below p)::

    nonce:      new_j = n_j + c_j − 2^16·c_{j+1}          c_0 = act, c_4 = 0, c_1..c_3 bits
    sender:     new_j = b_j − v_j − f_j − k_j + 2^16·k_{j+1}   k_0 = 0, k_16 = 0, k_j ∈ {0, 1, 2}
    recipient:  new_j = r_j + v_j + q_j − 2^16·q_{j+1}    q_0 = 0, q_16 = 0, q_j bits
    fee recip.: new_j = c_j + f_j + w_j − 2^16·w_{j+1}    w_0 = 0, w_16 = 0, w_j bits

The new limbs are 16-bit because the state table range-checks every new limb it receives; the old
limbs are 16-bit because they come from the tree (a non-zero value is a leaf's, whose limbs were
range-checked when written; a zero value has zero limbs); n, v, f and the cost limbs are public.
So the chains are exact: the final carry (borrow) pinned to 0 says there is no overflow (the sender
can pay value + fee).  The one limb this table range-checks itself is for the upfront check b ≥
cost: a one-hot selector picks the most significant limb j where b and cost differ (or "equal"),
the limbs above it must be equal, and b_j − cost_j − 1 is split into two bytes looked up in a
256-entry table (LogUp in β = challenges[2], as the state table checks its bytes), i.e. b_j > cost_j.

The transaction bus
-------------------
Row i (``tx`` = i, a counter from 0 stepping by one per row; ``act`` = 1 on a prefix of rows) looks
up the public tuple (i, the five non-constant keys, nonce, value, fee, cost limbs, value ≠ 0,
fee ≠ 0, kind, the recipient's code hash before and after); the fee recipient's keys are constants
of the public inputs.  The sum Σ 1/(α − φ(tuple_k)) is recomputed by the verifier from the posted
transactions (:meth:`TransferAir.public_sum`), so the active rows are the posted transactions, in
order, each once.

Auxiliary columns (layout in :mod:`circuits.transfer_layout`)::

    u_k·(α − φ_{2k})(α − φ_{2k+1}) = 2α − φ_{2k} − φ_{2k+1}     k = 0, 1, 2   (accesses in pairs)
    u_6·(α − φ_6) = 1
    u_tx·(α − φ_tx) = 1
    u_b·(β − lo)(β − hi) = 2β − lo − hi        v·(β − tab) = tab_mult
    S' = S + act·(u_0 + u_1 + u_2 + u_6) + u_b − v + first·C          (cyclic: Σ = −C)
    T' = T + act·u_tx − first·V_tx                                      (cyclic: Σ = V_tx)

C is the table's bus claim, −Σ act·(emitted fractions), bound through :meth:`TransferAir.bind_claims`.
"""

from __future__ import annotations

import copy
import math
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np

from circuits import ext_kernels as ek
from circuits import transfer_layout as TL
from circuits.air import Air, Assertion
from circuits.constraint_sink import ConstraintSink
from circuits.extension import Ext
from circuits.field import P
from circuits.poseidon2 import DIGEST_SIZE, hash_elements_many
from circuits.poseidon2_air import PublicBus
from circuits.state_air import ACCESS_ARITY, AccessRecord
from circuits.values import BaseVec, ExtVec

__all__ = [
    "EMPTY_CODE_HASH", "DOMAIN_KEY", "KIND_NONCE", "KIND_BALANCE", "KIND_CODE_HASH", "MAX_NONCE",
    "account_key", "KIND_TRANSFER", "KIND_CONTRACT", "TransferRecord", "TransferInputs", "TransferOlds", "TransferAir",
    "transfer_witness", "replay_transfers", "transfer_trace", "fill_byte_table", "TX_ARITY", "ACCESSES_PER_TRANSFER",
]

EMPTY_CODE_HASH = 0xC5D2460186F7233C927E7DB2DCC703C0E500B653CA82273B7BFAD8045D85A470
"""keccak-256 of the empty string: the code-hash leaf of an account that exists and has no code."""

DOMAIN_KEY = int.from_bytes(b"SKEY", "big")
"""Sponge tag of the state tree's key derivation."""

KIND_NONCE, KIND_BALANCE, KIND_CODE_HASH = 0, 1, 2
"""The account-field kinds of a leaf key."""

MAX_NONCE = 2**64 - 3
"""Largest nonce a transfer may carry: its sender's nonce becomes at most 2^64 − 2 (EIP-2681)."""

ACCESSES_PER_TRANSFER = TL.ACCESSES_PER_TRANSFER
"""State accesses per transfer (7): the state table of a batch of m transfers has access_count = 7·m."""

TX_ARITY = len(TL.PUBLIC_TUPLE)
"""Values in a transfer's public tuple (128)."""

_WORD = 1 << 256
_K = DIGEST_SIZE
_L = TL.LIMBS
_P64 = np.uint64(P)
_ADDRESS_LIMBS = 10
_EMPTY_LIMBS = [(EMPTY_CODE_HASH >> (16 * j)) & 0xFFFF for j in range(_L)]
# tuple positions of the access bus: idx, key, old limbs, new limbs, is_write
_AT_KEY, _AT_OLD, _AT_NEW, _AT_WRITE = 1, 1 + _K, 1 + _K + _L, 1 + _K + 2 * _L


def _limbs(values: Sequence[int], count: int) -> np.ndarray:
    """(len(values), count) little-endian 16-bit limbs of non-negative integers below 2^(16·count)."""
    raw = b"".join(int(v).to_bytes(2 * count, "little") for v in values)
    return np.frombuffer(raw, dtype="<u2").reshape(len(values), count).astype(np.uint64)


def _address(a, name: str) -> bytes:
    if not isinstance(a, (bytes, bytearray)) or len(a) != 20:
        raise ValueError(f"{name} is a 20-byte address")
    return bytes(a)


def _account_keys(addresses: Sequence[bytes], kind: int) -> np.ndarray:
    """(m, 8) leaf keys: hash_elements(address limbs ‖ [kind], DOMAIN_KEY), the address read big-endian."""
    limbs = _limbs([int.from_bytes(a, "big") for a in addresses], _ADDRESS_LIMBS)
    elems = np.hstack([limbs, np.full((len(addresses), 1), kind, dtype=np.uint64)])
    return hash_elements_many(elems, DOMAIN_KEY)


@lru_cache(maxsize=1 << 12)
def account_key(address: bytes, kind: int) -> tuple[int, ...]:
    """Leaf key of an account field (the state tree's derivation, for NONCE/BALANCE/CODE_HASH)."""
    return tuple(int(x) for x in _account_keys([_address(address, "address")], int(kind))[0])


KIND_TRANSFER, KIND_CONTRACT = 0, 1
"""Row kinds: a plain transfer (nothing executes), a contract transaction (its execution is proven apart)."""


@dataclass(frozen=True)
class TransferRecord:
    """One posted transaction: what the verifier knows of it (fee and cost already priced).

    ``to`` is the recipient: the new contract's address for a deployment.  ``value`` is the value
    moved (0 for a contract transaction whose execution fails), ``fee`` = gas used × effective price.
    ``code_hash_old`` / ``code_hash_new`` are the recipient's code-hash leaf before and after a
    contract transaction (``kind`` = 1); a plain transfer's are 0 (its recipient has no code).
    """

    sender: bytes
    to: bytes
    nonce: int
    value: int
    fee: int    # gas used × effective gas price: what the fee recipient receives
    cost: int   # gas limit × max fee per gas + the transaction's value: what the balance must cover
    kind: int = KIND_TRANSFER
    code_hash_old: int = 0
    code_hash_new: int = 0

    def __post_init__(self):
        object.__setattr__(self, "sender", _address(self.sender, "sender"))
        object.__setattr__(self, "to", _address(self.to, "to"))
        for name in ("nonce", "value", "fee", "cost", "code_hash_old", "code_hash_new"):
            v = int(getattr(self, name))
            if not 0 <= v < _WORD:
                raise ValueError(f"{name} is an integer in [0, 2^256)")
            object.__setattr__(self, name, v)
        if self.kind not in (KIND_TRANSFER, KIND_CONTRACT):
            raise ValueError("kind is 0 (plain transfer) or 1 (contract transaction)")
        object.__setattr__(self, "kind", int(self.kind))
        if self.kind == KIND_TRANSFER and (self.code_hash_old or self.code_hash_new):
            raise ValueError("a plain transfer states no code hash")
        if self.nonce > MAX_NONCE:
            raise ValueError(f"nonce {self.nonce} cannot be incremented (EIP-2681)")
        if self.value + self.fee > self.cost:
            raise ValueError("value + fee exceeds cost (the fee is priced at most at the fee cap)")


@dataclass(frozen=True, eq=False)
class TransferInputs:
    """Public inputs of :class:`TransferAir`: the posted transfers in order, and the fee recipient.

    ``claim`` is the table's bus claim once the proof fixes it (:meth:`TransferAir.bind_claims`); it is
    not part of the statement's bytes.
    """

    transfers: tuple[TransferRecord, ...]
    fee_recipient: bytes
    claim: Ext | None = field(default=None)

    def __post_init__(self):
        object.__setattr__(self, "transfers", tuple(self.transfers))
        if not all(isinstance(t, TransferRecord) for t in self.transfers):
            raise ValueError("transfers are TransferRecord values")
        if len(self.transfers) >= P // TL.ACCESSES_PER_TRANSFER:
            raise ValueError("too many transfers")
        object.__setattr__(self, "fee_recipient", _address(self.fee_recipient, "fee_recipient"))
        if self.claim is not None and not isinstance(self.claim, Ext):
            raise ValueError("claim is an extension element")

    @cached_property
    def keys(self) -> np.ndarray:
        """(m, 5, 8): sender code hash, nonce, balance; recipient code hash, balance."""
        if not self.transfers:
            return np.zeros((0, 5, _K), dtype=np.uint64)
        addrs = sorted({t.sender for t in self.transfers} | {t.to for t in self.transfers})
        at = {a: i for i, a in enumerate(addrs)}
        by_kind = {kind: _account_keys(addrs, kind) for kind in (KIND_CODE_HASH, KIND_NONCE, KIND_BALANCE)}
        s = np.array([at[t.sender] for t in self.transfers])
        r = np.array([at[t.to] for t in self.transfers])
        return np.stack([by_kind[KIND_CODE_HASH][s], by_kind[KIND_NONCE][s], by_kind[KIND_BALANCE][s],
                         by_kind[KIND_CODE_HASH][r], by_kind[KIND_BALANCE][r]], axis=1)

    @cached_property
    def fee_keys(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The fee recipient's code-hash and balance keys (constants of every transfer's accesses)."""
        return account_key(self.fee_recipient, KIND_CODE_HASH), account_key(self.fee_recipient, KIND_BALANCE)

    @cached_property
    def tuple_matrix(self) -> np.ndarray:
        """(m, 128) public tuples: (i, keys[40], nonce[4], value[16], fee[16], cost[16], value ≠ 0, fee ≠ 0,
        kind, code hash old[16], code hash new[16])."""
        ts = self.transfers
        m = len(ts)
        out = np.hstack([
            np.arange(m, dtype=np.uint64)[:, None],
            self.keys.reshape(m, 5 * _K),
            _limbs([t.nonce for t in ts], TL.NONCE_LIMBS),
            _limbs([t.value for t in ts], _L),
            _limbs([t.fee for t in ts], _L),
            _limbs([t.cost for t in ts], _L),
            np.array([[t.value != 0, t.fee != 0, t.kind] for t in ts], dtype=np.uint64).reshape(m, 3),
            _limbs([t.code_hash_old for t in ts], _L),
            _limbs([t.code_hash_new for t in ts], _L),
        ])
        out.setflags(write=False)
        return out


@dataclass(frozen=True)
class TransferOlds:
    """What the state held before each transfer (one entry per transfer, in order)."""

    sender_exists: Sequence[bool]
    sender_balance: Sequence[int]
    to_exists: Sequence[bool]
    to_balance: Sequence[int]
    fee_exists: Sequence[bool]
    fee_balance: Sequence[int]




class _Form:
    """A fingerprint Σ_k γ^k·t_k written as Σ coeff·column + constant (the tuple's entries are linear)."""

    __slots__ = ("cols", "coeffs", "const")

    def __init__(self):
        self.cols: list[int] = []
        self.coeffs: list = []
        self.const = Ext.zero()

    def term(self, col: int, coeff) -> None:
        self.cols.append(col)
        self.coeffs.append(coeff)

    def evaluate(self, row: Sequence):
        if self.cols and isinstance(row[self.cols[0]], BaseVec):
            mat = np.ascontiguousarray(np.stack([row[c].v for c in self.cols], axis=1))
            return ExtVec(ek.combine_columns(mat, np.stack([c.to_array() for c in self.coeffs]))) + self.const
        acc = self.const
        for col, coeff in zip(self.cols, self.coeffs):
            acc = row[col] * coeff + acc
        return acc

    def on_matrix(self, main: np.ndarray) -> np.ndarray:
        """(n, 5) values over a whole main trace."""
        mat = np.ascontiguousarray(main[:, self.cols])
        out = ek.combine_columns(mat, np.stack([c.to_array() for c in self.coeffs]))
        return ek.ext_add(out, self.const.to_array()[None, :])


def _powers(gamma: Ext, count: int) -> list[Ext]:
    out = [Ext.one()]
    for _ in range(count - 1):
        out.append(out[-1] * gamma)
    return out


def _access_forms(pi: TransferInputs | None, gamma: Ext) -> list[_Form]:
    """The seven access fingerprints of a row, as linear forms in its columns."""
    g = _powers(gamma, ACCESS_ARITY)
    empty_old = sum((g[_AT_OLD + j] * e for j, e in enumerate(_EMPTY_LIMBS)), Ext.zero())
    empty_new = sum((g[_AT_NEW + j] * e for j, e in enumerate(_EMPTY_LIMBS)), Ext.zero())
    fee_code_key, fee_bal_key = pi.fee_keys if pi is not None else ((0,) * _K, (0,) * _K)
    forms = []
    for j in range(TL.ACCESSES_PER_TRANSFER):
        f = _Form()
        f.term(TL.TX, g[0] * TL.ACCESSES_PER_TRANSFER)        # idx = 7·tx + j
        f.const = g[0] * j + g[_AT_WRITE]                       # … and is_write = 1
        forms.append(f)

    def key(f: _Form, cols) -> None:
        for k, col in enumerate(cols):
            f.term(col, g[_AT_KEY + k])

    def const_key(f: _Form, key_value) -> None:
        f.const = f.const + sum((g[_AT_KEY + k] * int(x) for k, x in enumerate(key_value)), Ext.zero())

    def limbs(f: _Form, cols, at: int) -> None:
        for k, col in enumerate(cols):
            f.term(col, g[at + k])

    f0, f1, f2, f3, f4, f5, f6 = forms
    key(f0, TL.SENDER_CODE_KEY)                       # sender code hash: e_s·E → E
    f0.term(TL.SENDER_EXISTS, empty_old)
    f0.const = f0.const + empty_new
    key(f1, TL.SENDER_NONCE_KEY)                      # nonce: n → n + 1 (limbs 4 … 15 are 0)
    limbs(f1, TL.NONCE, _AT_OLD)
    limbs(f1, TL.NONCE_NEW, _AT_NEW)
    key(f2, TL.SENDER_BALANCE_KEY)                    # sender balance
    limbs(f2, TL.SENDER_BAL, _AT_OLD)
    limbs(f2, TL.SENDER_NEW, _AT_NEW)
    key(f3, TL.TO_CODE_KEY)                           # recipient code hash: e_r·E + h_old → e_r'·E + h_new
    f3.term(TL.TO_EXISTS, empty_old)                  # (a transfer row has h = 0, a contract row e_r = e_r' = 0)
    f3.term(TL.TO_EXISTS_AFTER, empty_new)
    limbs(f3, TL.CODE_OLD, _AT_OLD)
    limbs(f3, TL.CODE_NEW, _AT_NEW)
    key(f4, TL.TO_BALANCE_KEY)                        # recipient balance
    limbs(f4, TL.TO_BAL, _AT_OLD)
    limbs(f4, TL.TO_NEW, _AT_NEW)
    const_key(f5, fee_code_key)                       # fee recipient code hash: e_c·E → e_c'·E
    f5.term(TL.FEE_EXISTS, empty_old)
    f5.term(TL.FEE_EXISTS_AFTER, empty_new)
    const_key(f6, fee_bal_key)                        # fee recipient balance
    limbs(f6, TL.FEE_BAL, _AT_OLD)
    limbs(f6, TL.FEE_NEW, _AT_NEW)
    return forms


class TransferAir(Air):
    """Plain transfers → state accesses on the access bus (see the module docstring).

    Public inputs: :class:`TransferInputs`.  Proven together with :class:`~circuits.state_air.StateBusAir`
    (same challenges α, γ, β); its one bus claim is −Σ of the fractions it puts on the access bus.
    """

    name = "transfers"
    width = TL.WIDTH
    aux_width = TL.AUX_WIDTH
    num_challenges = 3   # α, γ: access bus and transaction bus; β: byte range check
    num_bus_claims = 1
    min_trace_length = TL.TABLE_SIZE

    def __init__(self):
        self.tx_bus = PublicBus(TX_ARITY, "transaction bus")
        probe = ConstraintSink.probe(self._main, self.width)
        self._names, self._degrees, self._cyclic = probe.names, probe.degrees, probe.single_row_indices
        self._sum_cache: tuple | None = None

    # ---- statement --------------------------------------------------------------------------------
    def public_inputs_bytes(self, pi: TransferInputs) -> bytes:
        out = [b"transfers/v2", pi.fee_recipient, struct.pack("<I", len(pi.transfers))]
        for t in pi.transfers:
            out += [t.sender, t.to, struct.pack("<Q", t.nonce), t.value.to_bytes(32, "little"),
                    t.fee.to_bytes(32, "little"), t.cost.to_bytes(32, "little"), bytes([t.kind]),
                    t.code_hash_old.to_bytes(32, "little"), t.code_hash_new.to_bytes(32, "little")]
        return b"".join(out)

    def security_loss_bits(self, trace_length: int) -> float:
        # As PublicBus for each LogUp sum: 7 access fractions per row (arity 42), one transaction
        # lookup (arity 128), and the byte identity in β (two bytes and one table entry per row).
        n = trace_length
        return math.log2(2 * n * TL.ACCESSES_PER_TRANSFER * ACCESS_ARITY + 2 * n * TX_ARITY + 3 * n)

    def bind_claims(self, pi: TransferInputs, claims: Sequence[Ext]) -> TransferInputs:
        bound = copy.copy(pi)   # keeps the derived keys and tuples already computed
        object.__setattr__(bound, "claim", claims[0])
        return bound

    # ---- main constraints ---------------------------------------------------------------------------
    def transition_names(self) -> list[str]:
        return list(self._names)

    def transition_degrees(self) -> list[int]:
        return list(self._degrees)

    def cyclic_transitions(self) -> frozenset[int]:
        return self._cyclic

    def evaluate_transition(self, cur, nxt, pi) -> list:
        sink = ConstraintSink()
        self._main(cur, nxt, sink)
        return sink.values

    def _main(self, c: Sequence, n: Sequence, s: ConstraintSink) -> None:
        act = c[TL.ACT]
        # ---- control: a prefix of active rows, a row counter, the first-row flag ----------------------
        s.add("act is boolean", 2, act * (1 - act), row=True)
        s.add("active rows form a prefix: act'·(1 − act) = 0", 2, n[TL.ACT] * (1 - act))
        s.add("tx' = tx + 1", 1, n[TL.TX] - c[TL.TX] - 1)
        s.add("first' = 0", 1, n[TL.FIRST])

        # ---- nonce + 1 ---------------------------------------------------------------------------------
        nc = [act, *(c[x] for x in TL.NONCE_CARRY), 0]
        for j in range(1, TL.NONCE_LIMBS):
            s.add(f"nonce carry[{j}] is a bit", 2, nc[j] * (1 - nc[j]), row=True)
        for j in range(TL.NONCE_LIMBS):
            s.add(f"nonce + 1: new[{j}] = nonce[{j}] + c[{j}] − 2^16·c[{j + 1}]", 1,
                  c[TL.NONCE_NEW[j]] - c[TL.NONCE[j]] - nc[j] + 65536 * nc[j + 1], row=True)

        value = [c[x] for x in TL.VALUE]
        fee = [c[x] for x in TL.FEE]
        cost = [c[x] for x in TL.COST]
        bal = [c[x] for x in TL.SENDER_BAL]

        # ---- sender: new = b − value − fee, borrows in {0, 1, 2}, none out of the top limb -------------
        k = [0, *(c[x] for x in TL.SENDER_BORROW), 0]
        for j in range(1, _L):
            s.add(f"sender borrow[{j}] ∈ {{0, 1, 2}}", 3, k[j] * (k[j] - 1) * (k[j] - 2), row=True)
        for j in range(_L):
            s.add(f"sender: new[{j}] = b[{j}] − value[{j}] − fee[{j}] − k[{j}] + 2^16·k[{j + 1}]", 1,
                  c[TL.SENDER_NEW[j]] - bal[j] + value[j] + fee[j] + k[j] - 65536 * k[j + 1], row=True)

        # ---- upfront check: b ≥ cost at the most significant differing limb ---------------------------
        sel = [c[x] for x in TL.SEL]
        sel_eq = c[TL.SEL_EQ]
        for j in range(_L):
            s.add(f"upfront: sel[{j}] is boolean", 2, sel[j] * (1 - sel[j]), row=True)
        s.add("upfront: sel_eq is boolean", 2, sel_eq * (1 - sel_eq), row=True)
        s.add("upfront: Σ sel + sel_eq = act", 1, sum(sel) + sel_eq - act, row=True)
        above = sel_eq
        for j in range(_L):
            # limb j lies above the selected limb when the selection is "equal" or a lower limb
            s.add(f"upfront: limb {j} above the selected one: b[{j}] = cost[{j}]", 2,
                  above * (bal[j] - cost[j]), row=True)
            above = above + sel[j]
        lo, hi = c[TL.DIFF_BYTES[0]], c[TL.DIFF_BYTES[1]]
        s.add("upfront: Σ sel[j]·(b[j] − cost[j] − 1) = lo + 256·hi", 2,
              sum(sel[j] * (bal[j] - cost[j] - 1) for j in range(_L)) - lo - 256 * hi, row=True)

        # ---- credits: recipient gets value, fee recipient gets fee -------------------------------------
        for label, old, new, carry, amount, a, w in (
                ("recipient", TL.TO_BAL, TL.TO_NEW, TL.TO_CARRY, value, "r", "q"),
                ("fee recipient", TL.FEE_BAL, TL.FEE_NEW, TL.FEE_CARRY, fee, "c", "w")):
            q = [0, *(c[x] for x in carry), 0]
            for j in range(1, _L):
                s.add(f"{label} carry[{j}] is a bit", 2, q[j] * (1 - q[j]), row=True)
            what = "value" if amount is value else "fee"
            for j in range(_L):
                s.add(f"{label}: new[{j}] = {a}[{j}] + {what}[{j}] + {w}[{j}] − 2^16·{w}[{j + 1}]", 1,
                      c[new[j]] - c[old[j]] - amount[j] - q[j] + 65536 * q[j + 1], row=True)

        # ---- existence: code hash 0 or E, created by a non-zero credit ---------------------------------
        for col, label in ((TL.SENDER_EXISTS, "sender"), (TL.TO_EXISTS, "recipient"),
                           (TL.FEE_EXISTS, "fee recipient")):
            s.add(f"{label} exists is boolean", 2, c[col] * (1 - c[col]), row=True)
        # a contract row's recipient code hash is all public (h_old → h_new): its e_r, e_r' are 0, and
        # only a transfer row (kind = 0) creates its recipient by a non-zero credit
        kind = c[TL.KIND]
        s.add("kind is boolean", 2, kind * (1 - kind), row=True)
        s.add("contract row: recipient exists flag e_r = 0", 2, kind * c[TL.TO_EXISTS], row=True)
        s.add("contract row: recipient exists-after flag e_r' = 0", 2, kind * c[TL.TO_EXISTS_AFTER], row=True)
        e, z = c[TL.TO_EXISTS], c[TL.VALUE_NZ]
        s.add("transfer row: recipient e' = e ∨ value ≠ 0", 3,
              (1 - kind) * (c[TL.TO_EXISTS_AFTER] - e - z + e * z), row=True)
        e, z = c[TL.FEE_EXISTS], c[TL.FEE_NZ]
        s.add("fee recipient: e' = e ∨ fee ≠ 0", 2, c[TL.FEE_EXISTS_AFTER] - e - z + e * z, row=True)

        # ---- byte table --------------------------------------------------------------------------------
        dt = n[TL.TAB] - c[TL.TAB]
        s.add("tab' − tab ∈ {0, 1}", 2, dt * (dt - 1))

    def assertions(self, pi: TransferInputs, n: int) -> list[Assertion]:
        return [Assertion(TL.FIRST, 0, 1, "first[0] = 1"),
                Assertion(TL.TX, 0, 0, "tx starts at 0"),
                Assertion(TL.TAB, 0, 0, "tab starts at 0"),
                Assertion(TL.TAB, n - 1, TL.TABLE_SIZE - 1, "tab ends at 255")]

    # ---- buses ----------------------------------------------------------------------------------------
    def public_sum(self, pi: TransferInputs | None, challenges: Sequence[Ext]) -> Ext:
        """V_tx = Σ_k 1/(α − φ(public tuple k)) over the posted transfers (cached for the last challenges)."""
        if pi is None or not isinstance(challenges[0], Ext):
            return Ext.zero()
        tuples = pi.tuple_matrix
        key = tuple(ch.c for ch in challenges[:2])
        cached = self._sum_cache
        if cached is None or cached[0] is not tuples or cached[1] != key:   # holds the array: its id stays unique
            cached = self._sum_cache = (tuples, key, self.tx_bus.public_sum(tuples, challenges[:2]))
        return cached[2]

    @staticmethod
    def _claim(pi: TransferInputs | None, challenges: Sequence) -> Ext:
        if pi is None or not isinstance(challenges[0], Ext):
            return Ext.zero()
        if pi.claim is None:
            raise ValueError("the transfer table's bus claim is not bound yet (bind_claims)")
        return pi.claim

    def aux_transition_names(self) -> list[str]:
        return ["accesses 0, 1: u·(α − φ0)(α − φ1) = 2α − φ0 − φ1",
                "accesses 2, 3: u·(α − φ2)(α − φ3) = 2α − φ2 − φ3",
                "accesses 4, 5: u·(α − φ4)(α − φ5) = 2α − φ4 − φ5",
                "access 6: u·(α − φ6) = 1",
                "transaction bus: u·(α − φ_tx) = 1",
                "bytes: u·(β − lo)(β − hi) = 2β − lo − hi",
                "table: v·(β − tab) = tab_mult",
                "S' = S + act·Σ u_access + u_bytes − v + first·claim",
                "T' = T + act·u_tx − first·V_tx"]

    def aux_transition_degrees(self) -> list[int]:
        return [3, 3, 3, 2, 2, 3, 2, 2, 2]

    def cyclic_aux_transitions(self) -> frozenset[int]:
        return frozenset(range(9))

    def evaluate_aux_transition(self, cur, nxt, aux_cur, aux_nxt, challenges, pi) -> list:
        alpha, gamma, beta = challenges[0], challenges[1], challenges[2]
        phis = [f.evaluate(cur) for f in _access_forms(pi, gamma)]
        out = []
        for q, col in enumerate(TL.U_PAIRS):
            a, b = phis[2 * q], phis[2 * q + 1]
            out.append(aux_cur[col] * (alpha - a) * (alpha - b) - (alpha * 2 - a - b))
        out.append(aux_cur[TL.U_LAST] * (alpha - phis[6]) - 1)
        phi_tx = self.tx_bus.fingerprint([cur[x] for x in TL.PUBLIC_TUPLE], gamma)
        out.append(aux_cur[TL.U_TX] * (alpha - phi_tx) - 1)
        lo, hi = cur[TL.DIFF_BYTES[0]], cur[TL.DIFF_BYTES[1]]
        out.append(aux_cur[TL.U_BYTES] * (beta - lo) * (beta - hi) - (beta * 2 - lo - hi))
        out.append(aux_cur[TL.V_TAB] * (beta - cur[TL.TAB]) - cur[TL.TAB_MULT])
        emitted = aux_cur[TL.U_PAIRS[0]] + aux_cur[TL.U_PAIRS[1]] + aux_cur[TL.U_PAIRS[2]] + aux_cur[TL.U_LAST]
        out.append(aux_nxt[TL.S_BUS] - aux_cur[TL.S_BUS] - cur[TL.ACT] * emitted - aux_cur[TL.U_BYTES]
                   + aux_cur[TL.V_TAB] - cur[TL.FIRST] * self._claim(pi, challenges))
        out.append(aux_nxt[TL.S_TX] - aux_cur[TL.S_TX] - cur[TL.ACT] * aux_cur[TL.U_TX]
                   + cur[TL.FIRST] * self.public_sum(pi, challenges))
        return out

    def build_aux_trace(self, main: np.ndarray, challenges: Sequence[Ext], pi: TransferInputs) -> np.ndarray:
        alpha, gamma, beta = challenges[0], challenges[1], challenges[2]
        n = main.shape[0]
        main = np.ascontiguousarray(main, dtype=np.uint64)
        a_rows = np.broadcast_to(alpha.to_array(), (n, 5))
        b_rows = np.broadcast_to(beta.to_array(), (n, 5))
        phi_tx = ek.combine_columns(np.ascontiguousarray(main[:, TL.PUBLIC_TUPLE]),
                                    np.stack([g.to_array() for g in _powers(gamma, TX_ARITY)]))
        denominators = [ek.ext_sub(a_rows.copy(), f.on_matrix(main)) for f in _access_forms(pi, gamma)]
        denominators.append(ek.ext_sub(a_rows.copy(), phi_tx))
        denominators += [ek.ext_sub(b_rows.copy(), ek.base_to_ext(np.ascontiguousarray(main[:, col])))
                         for col in (*TL.DIFF_BYTES, TL.TAB)]
        inv = ek.ext_batch_inv(np.ascontiguousarray(np.concatenate(denominators)))
        part = [inv[i * n:(i + 1) * n] for i in range(len(denominators))]   # 7 accesses, tx, lo, hi, tab
        aux = np.zeros((n, TL.AUX_WIDTH, 5), dtype=np.uint64)
        for q, col in enumerate(TL.U_PAIRS):
            aux[:, col] = ek.ext_add(part[2 * q], part[2 * q + 1])
        aux[:, TL.U_LAST] = part[6]
        aux[:, TL.U_TX] = part[7]
        aux[:, TL.U_BYTES] = ek.ext_add(part[8], part[9])
        aux[:, TL.V_TAB] = ek.ext_mul_base(part[10].copy(), np.ascontiguousarray(main[:, TL.TAB_MULT]))
        act = np.ascontiguousarray(main[:, TL.ACT])
        emitted = ek.ext_mul_base(self._emitted(aux), act)
        claim = _neg_sum(emitted)
        # S_0 = 0, S_{r+1} = S_r + term_r (+ claim on row 0): the terms and the claim add up to 0
        term = ek.ext_sub(ek.ext_add(emitted, aux[:, TL.U_BYTES]), aux[:, TL.V_TAB])
        term[0] = ek.ext_add(term[0:1], claim[None, :])[0]
        aux[1:, TL.S_BUS] = np.cumsum(term, axis=0, dtype=np.uint64)[:-1] % _P64
        term = ek.ext_mul_base(aux[:, TL.U_TX].copy(), act)
        term[0] = ek.ext_sub(term[0:1], self.public_sum(pi, challenges).to_array()[None, :])[0]
        aux[1:, TL.S_TX] = np.cumsum(term, axis=0, dtype=np.uint64)[:-1] % _P64
        return aux

    @staticmethod
    def _emitted(aux: np.ndarray) -> np.ndarray:
        """(n, 5): the fractions a row puts on the access bus (before the act gate)."""
        out = aux[:, TL.U_LAST].copy()
        for col in TL.U_PAIRS:
            out = ek.ext_add(out, aux[:, col])
        return out

    def bus_claims(self, main: np.ndarray, aux: np.ndarray, challenges: Sequence[Ext],
                   pi: TransferInputs) -> list[Ext]:
        emitted = ek.ext_mul_base(self._emitted(aux), np.ascontiguousarray(main[:, TL.ACT], dtype=np.uint64))
        return [Ext.from_array(_neg_sum(emitted))]

    def aux_assertions(self, challenges, pi, n, claims=None) -> list[Assertion]:
        return []


def _neg_sum(terms: np.ndarray) -> np.ndarray:
    """−Σ_r terms[r] as a (5,) array."""
    total = np.sum(terms % _P64, axis=0, dtype=np.uint64) % _P64
    return (_P64 - total) % _P64


# ---------------------------------------------------------------------------------------------
# Witness
# ---------------------------------------------------------------------------------------------

def transfer_witness(pi: TransferInputs, olds: TransferOlds, min_rows: int = TL.TABLE_SIZE) -> np.ndarray:
    """The trace of :class:`TransferAir` for the posted transfers and the state they found.

    Fills every column from the olds and the public inputs, all rows at once (the limb chains loop
    over the 16 limbs, not over rows).  It does not judge the transfers: one that the state cannot
    pay for yields a trace that breaks the constraint guarding it (use :func:`transfer_trace` to
    replay and check).  Height: the next power of two ≥ the transfers, at least ``min_rows`` and 256.
    """
    ts = pi.transfers
    m = len(ts)
    n = max(min_rows, TL.TABLE_SIZE, 1 << max(m - 1, 0).bit_length())
    t = np.zeros((n, TL.WIDTH), dtype=np.uint64)
    t[:, TL.TX] = np.arange(n, dtype=np.uint64)
    t[0, TL.FIRST] = 1
    t[:m, TL.ACT] = 1
    t[:m, TL.PUBLIC_TUPLE] = pi.tuple_matrix

    # nonce + 1 (the public nonce is the old nonce the state must hold)
    nonce = _limbs([x.nonce for x in ts], TL.NONCE_LIMBS).astype(np.int64)
    carry = np.ones(m, dtype=np.int64)
    for j in range(TL.NONCE_LIMBS):
        total = nonce[:, j] + carry
        t[:m, TL.NONCE_NEW[j]] = total & 0xFFFF
        carry = total >> 16
        if j + 1 < TL.NONCE_LIMBS:
            t[:m, TL.NONCE_CARRY[j]] = carry

    value = t[:m][:, TL.VALUE].astype(np.int64)
    fee = t[:m][:, TL.FEE].astype(np.int64)
    cost = t[:m][:, TL.COST].astype(np.int64)
    bal = _limbs([v % _WORD for v in olds.sender_balance], _L).astype(np.int64)
    t[:m, TL.SENDER_BAL] = bal

    # sender: borrow k_{j+1} = ⌈−(b_j − v_j − f_j − k_j)/2^16⌉ when negative (at most 2: b_j < 2^16)
    borrow = np.zeros(m, dtype=np.int64)
    for j in range(_L):
        diff = bal[:, j] - value[:, j] - fee[:, j] - borrow
        borrow = (0xFFFF - diff) >> 16
        t[:m, TL.SENDER_NEW[j]] = (diff + (borrow << 16)) % P
        if j + 1 < _L:
            t[:m, TL.SENDER_BORROW[j]] = borrow

    for old_vals, amount, old, new, carries in ((olds.to_balance, value, TL.TO_BAL, TL.TO_NEW, TL.TO_CARRY),
                                                (olds.fee_balance, fee, TL.FEE_BAL, TL.FEE_NEW, TL.FEE_CARRY)):
        limbs = _limbs([v % _WORD for v in old_vals], _L).astype(np.int64)
        t[:m, old] = limbs
        carry = np.zeros(m, dtype=np.int64)
        for j in range(_L):
            total = limbs[:, j] + amount[:, j] + carry
            t[:m, new[j]] = total & 0xFFFF
            carry = total >> 16
            if j + 1 < _L:
                t[:m, carries[j]] = carry

    # existence flags: before from the state, after = before ∨ (credit ≠ 0)
    t[:m, TL.SENDER_EXISTS] = np.asarray(olds.sender_exists, dtype=bool)
    to_e = np.asarray(olds.to_exists, dtype=bool)
    fee_e = np.asarray(olds.fee_exists, dtype=bool)
    t[:m, TL.TO_EXISTS] = to_e
    t[:m, TL.FEE_EXISTS] = fee_e
    contract = t[:m, TL.KIND] == KIND_CONTRACT
    t[:m, TL.TO_EXISTS_AFTER] = (to_e | (t[:m, TL.VALUE_NZ] != 0)) & ~contract
    t[:m, TL.FEE_EXISTS_AFTER] = fee_e | (t[:m, TL.FEE_NZ] != 0)

    # upfront: the most significant limb where b and cost differ; its b_j − cost_j − 1 in two bytes
    differs = bal != cost
    has = differs.any(axis=1)
    top = _L - 1 - np.argmax(differs[:, ::-1], axis=1)
    rows = np.nonzero(has)[0]
    t[rows, np.asarray(TL.SEL)[top[rows]]] = 1
    t[:m, TL.SEL_EQ] = ~has
    gap = np.where(has, bal[np.arange(m), top] - cost[np.arange(m), top] - 1, 0)
    low16 = gap & 0xFFFF   # a negative gap (b < cost) leaves bytes that do not add up to it
    t[:m, TL.DIFF_BYTES[0]] = low16 & 0xFF
    t[:m, TL.DIFF_BYTES[1]] = low16 >> 8
    fill_byte_table(t)
    return t


def fill_byte_table(t: np.ndarray) -> None:
    """The table column 0 … 255 (then 255) and the multiplicities of the bytes every row looks up."""
    n = t.shape[0]
    t[:, TL.TAB] = np.minimum(np.arange(n), TL.TABLE_SIZE - 1)
    looked_up = t[:, TL.DIFF_BYTES].ravel()
    t[:, TL.TAB_MULT] = 0
    t[:TL.TABLE_SIZE, TL.TAB_MULT] = np.bincount(looked_up[looked_up < TL.TABLE_SIZE].astype(np.int64),
                                                 minlength=TL.TABLE_SIZE)


def replay_transfers(pi: TransferInputs, state: Mapping | Callable[[tuple[int, ...]], int]
                     ) -> tuple[TransferOlds, list[AccessRecord]]:
    """Replay the transfers on ``state`` (key → value, 0 when absent; left unchanged): what each one
    found, and the state accesses in bus order (7 per transfer, all writes).

    A loop over transfers (a handful of dictionary operations each).  Raises ValueError, naming the
    transfer, when one is not valid on this state: a sender (or fee recipient) with code, a plain
    transfer's recipient with code, a contract row's recipient whose code hash is not the stated
    one, a nonce that is not the sender's, a balance below the cost, a balance that would reach 2^256.
    """
    read = state.get if isinstance(state, Mapping) else state
    changed: dict[tuple[int, ...], int] = {}

    def get(key: tuple[int, ...]) -> int:
        return changed[key] if key in changed else int(read(key) or 0)

    records: list[AccessRecord] = []
    cols: dict[str, list] = {name: [] for name in TransferOlds.__dataclass_fields__}
    fee_code, fee_bal = pi.fee_keys

    def write(i: int, key: tuple[int, ...], new: int) -> None:
        if new >= _WORD:
            raise ValueError(f"transfer {i}: a balance would reach 2^256")
        records.append(AccessRecord(key, get(key), new, True))
        changed[key] = new

    def exists(i: int, key: tuple[int, ...], who: str) -> bool:
        h = get(key)
        if h not in (0, EMPTY_CODE_HASH):
            raise ValueError(f"transfer {i}: the {who} has code (not a plain transfer)")
        return h == EMPTY_CODE_HASH

    for i, (tr, keys) in enumerate(zip(pi.transfers, pi.keys.tolist())):
        s_code, s_nonce, s_bal, r_code, r_bal = (tuple(k) for k in keys)
        cols["sender_exists"].append(exists(i, s_code, "sender"))
        write(i, s_code, EMPTY_CODE_HASH)
        if get(s_nonce) != tr.nonce:
            raise ValueError(f"transfer {i}: nonce {tr.nonce}, the sender's nonce is {get(s_nonce)}")
        write(i, s_nonce, tr.nonce + 1)
        b = get(s_bal)
        if b < tr.cost:
            raise ValueError(f"transfer {i}: balance {b} below the cost {tr.cost}")
        cols["sender_balance"].append(b)
        write(i, s_bal, b - tr.value - tr.fee)
        if tr.kind == KIND_CONTRACT:
            if get(r_code) != tr.code_hash_old:
                raise ValueError(f"transfer {i}: the recipient's code hash is {get(r_code):#x}, "
                                 f"not the stated {tr.code_hash_old:#x}")
            cols["to_exists"].append(False)
            write(i, r_code, tr.code_hash_new)
        else:
            e = exists(i, r_code, "recipient")
            cols["to_exists"].append(e)
            write(i, r_code, EMPTY_CODE_HASH if e or tr.value else 0)
        cols["to_balance"].append(get(r_bal))
        write(i, r_bal, get(r_bal) + tr.value)
        e = exists(i, fee_code, "fee recipient")
        cols["fee_exists"].append(e)
        write(i, fee_code, EMPTY_CODE_HASH if e or tr.fee else 0)
        cols["fee_balance"].append(get(fee_bal))
        write(i, fee_bal, get(fee_bal) + tr.fee)
    return TransferOlds(**cols), records


def transfer_trace(pi: TransferInputs, state: Mapping | Callable[[tuple[int, ...]], int],
                   min_rows: int = TL.TABLE_SIZE) -> tuple[np.ndarray, list[AccessRecord]]:
    """The :class:`TransferAir` trace of the transfers replayed on ``state``, and the state accesses
    they make in bus order (see :func:`replay_transfers`, which raises on an invalid transfer)."""
    olds, records = replay_transfers(pi, state)
    return transfer_witness(pi, olds, min_rows), records
