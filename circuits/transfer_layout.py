"""Trace layout of the transfer table (:mod:`circuits.transfer_air`): one constants module, one diagram.

One row per transfer (row i holds transfer i), then padding rows (``act`` = 0) up to a power of two
of at least 256 rows (the byte table).  Every column group is a run of consecutive columns::

      0     3       43      54              104        137        184         231          278    283       302   304
      | ctl | keys  | nonce | public values | contract | sender   | recipient | fee recip. | code | upfront | tab |
      | 3   | 5 × 8 | 4+4+3 | 16+16+16+1+1  | 1+16+16  | 16+16+15 | 16+16+15  | 16+16+15   | 5    | 17 + 2  | 2   |

* ``ctl``: ``act`` (1 on the rows that hold a transfer, a prefix), ``first`` (1 on row 0 only),
  ``tx`` (the row index i; transfer i sits on row i).
* ``keys``: the state-tree keys of the sender's code hash, nonce and balance and the recipient's
  code hash and balance (8 field elements each).  The fee recipient's two keys are the same for
  every transfer: they are constants of the public inputs, not columns.
* ``nonce``: the transaction nonce (4 16-bit limbs: a nonce is below 2^64), nonce + 1, and the
  carries of that addition into limbs 1 … 3.
* ``public values``: value (the value moved: a contract transaction that fails moves none), fee
  (= gas used × effective price; a plain transfer's gas used is its intrinsic gas) and cost (= gas
  limit × fee cap + the transaction's value), 16 limbs each, and the bits value ≠ 0, fee ≠ 0.
* ``contract``: ``kind`` (0: a plain transfer, 1: a contract transaction — a call of an account
  with code or a deployment, whose execution another table proves) and the recipient's code hash
  before and after the transaction (16 limbs each; both 0 on a plain transfer's row): for a call
  old = new = keccak-256 of the called code, for a deployment old = 0 (the new address holds no
  account) and new = keccak-256 of the deployed code, or 0 when the deployment fails.
* ``sender`` / ``recipient`` / ``fee recip.``: the balance before (from the tree), the balance
  after, and the borrows (sender, each 0, 1 or 2) or carries (credits, each 0 or 1) between limbs
  j − 1 and j for j = 1 … 15.
* ``code``: whether the sender, the recipient and the fee recipient exist before the transfer
  (their code-hash leaf holds the empty-code hash, not 0), and whether the recipient and the fee
  recipient exist after it (the recipient's two flags are 0 on a contract row, whose code hashes
  are public).
* ``upfront``: a one-hot selector of the most significant limb where balance and cost differ
  (16 positions, plus "equal"), and the two bytes of balance − cost − 1 at that limb.
* ``tab``: the byte table 0 … 255 (then 255 repeated) and its lookup multiplicities.

Public tuple of row i (what the transaction bus carries)::

    (i, keys[40], nonce[4], value[16], fee[16], cost[16], value ≠ 0, fee ≠ 0,
     kind, code hash old[16], code hash new[16])                                      128 values
"""

from __future__ import annotations

from circuits.column_allocator import ColumnAllocator

from circuits.poseidon2 import DIGEST_SIZE

__all__ = [
    "LIMBS", "NONCE_LIMBS", "TABLE_SIZE", "ACCESSES_PER_TRANSFER",
    "ACT", "FIRST", "TX", "KEYS", "SENDER_CODE_KEY", "SENDER_NONCE_KEY", "SENDER_BALANCE_KEY",
    "TO_CODE_KEY", "TO_BALANCE_KEY", "NONCE", "NONCE_NEW", "NONCE_CARRY", "VALUE", "FEE", "COST",
    "VALUE_NZ", "FEE_NZ", "KIND", "CODE_OLD", "CODE_NEW", "SENDER_BAL", "SENDER_NEW", "SENDER_BORROW", "TO_BAL",
    "TO_NEW", "TO_CARRY",
    "FEE_BAL", "FEE_NEW", "FEE_CARRY", "SENDER_EXISTS", "TO_EXISTS", "TO_EXISTS_AFTER", "FEE_EXISTS",
    "FEE_EXISTS_AFTER", "SEL", "SEL_EQ", "DIFF_BYTES", "TAB", "TAB_MULT", "WIDTH", "PUBLIC_TUPLE",
    "U_PAIRS", "U_LAST", "U_TX", "U_BYTES", "V_TAB", "S_BUS", "S_TX", "AUX_WIDTH",
]

LIMBS = 16
"""16-bit limbs of a 256-bit value."""

NONCE_LIMBS = 4
"""16-bit limbs of a nonce (EIP-2681: a nonce is below 2^64 − 1)."""

TABLE_SIZE = 256
"""Entries of the byte range table (values 0 … 255)."""

ACCESSES_PER_TRANSFER = 7
"""State accesses each transfer puts on the access bus (idx = 7·i + j, j = 0 … 6)."""

_columns = ColumnAllocator()
_take = _columns.take
_one = _columns.one


# ---- control ---------------------------------------------------------------------------------------
ACT = _one()
FIRST = _one()
TX = _one()

# ---- state keys (public) -----------------------------------------------------------------------------
KEYS = _take(5 * DIGEST_SIZE)
SENDER_CODE_KEY = KEYS[0:8]
SENDER_NONCE_KEY = KEYS[8:16]
SENDER_BALANCE_KEY = KEYS[16:24]
TO_CODE_KEY = KEYS[24:32]
TO_BALANCE_KEY = KEYS[32:40]

# ---- nonce ------------------------------------------------------------------------------------------
NONCE = _take(NONCE_LIMBS)
NONCE_NEW = _take(NONCE_LIMBS)
NONCE_CARRY = _take(NONCE_LIMBS - 1)    # carry into limb 1 … 3 (into limb 0: act; out of limb 3: 0)

# ---- public values ------------------------------------------------------------------------------------
VALUE = _take(LIMBS)
FEE = _take(LIMBS)
COST = _take(LIMBS)
VALUE_NZ = _one()
FEE_NZ = _one()

# ---- contract transactions (public): kind and the recipient's code hash before and after --------------
KIND = _one()
CODE_OLD = _take(LIMBS)
CODE_NEW = _take(LIMBS)

# ---- balances -----------------------------------------------------------------------------------------
SENDER_BAL = _take(LIMBS)
SENDER_NEW = _take(LIMBS)
SENDER_BORROW = _take(LIMBS - 1)        # borrow into limb 1 … 15 (into limb 0 and out of limb 15: 0)
TO_BAL = _take(LIMBS)
TO_NEW = _take(LIMBS)
TO_CARRY = _take(LIMBS - 1)
FEE_BAL = _take(LIMBS)
FEE_NEW = _take(LIMBS)
FEE_CARRY = _take(LIMBS - 1)

# ---- existence of the three accounts (their code-hash leaf is 0 or the empty-code hash) ---------------
SENDER_EXISTS = _one()
TO_EXISTS = _one()
TO_EXISTS_AFTER = _one()
FEE_EXISTS = _one()
FEE_EXISTS_AFTER = _one()

# ---- upfront check: balance ≥ cost -------------------------------------------------------------------
SEL = _take(LIMBS)
SEL_EQ = _one()
DIFF_BYTES = _take(2)

# ---- byte table -------------------------------------------------------------------------------------
TAB = _one()
TAB_MULT = _one()

WIDTH = _columns.next
"""Main trace columns (304)."""

PUBLIC_TUPLE = [TX, *KEYS, *NONCE, *VALUE, *FEE, *COST, VALUE_NZ, FEE_NZ, KIND, *CODE_OLD, *CODE_NEW]
"""The columns the transaction bus carries, in order (128 values)."""

# ---- auxiliary (extension) columns ---------------------------------------------------------------
U_PAIRS = (0, 1, 2)     # 1/(α − φ_{2k}) + 1/(α − φ_{2k+1}) for accesses (0, 1), (2, 3), (4, 5)
U_LAST = 3              # 1/(α − φ_6)
U_TX = 4                # 1/(α − φ(public tuple))
U_BYTES = 5             # 1/(β − lo) + 1/(β − hi)
V_TAB = 6               # tab_mult/(β − tab)
S_BUS = 7               # running sum of the access bus and the byte lookups, closed by the claim
S_TX = 8                # running sum of the transaction bus, closed by the public sum
AUX_WIDTH = 9
