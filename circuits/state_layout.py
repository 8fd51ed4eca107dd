"""Trace layout of the state circuit (:mod:`circuits.state_air`): one constants module, one diagram.

Every access to the state tree (a read or a write of one key) is a *block* of consecutive rows::

    level rows   d = 0 … L−1   (top-down: row d hashes the two children of the path node at depth d)
    hash rows    H0 H1 H2 H3 H4 (value digests, leaf digests, the other leaf or the sibling opening)

followed, after the last block, by padding rows (at least one: the last row is always padding).
L = max(old path depth, new path depth); L = 0 when the key's path ends at the root.

Columns (offsets below; ``*``: access columns, the same value on every row of a block)::

      0         298        596       612    621      623  631  639
      | Poseidon2 | Poseidon2 | scratch | kind | start | R  | NR*|
      | group A   | group B   | 16      | 9    | first | 8  | 8  |
      (old path / (new path /  child_o, child_n on level rows;
       sponges)    sponges)    vd_o, vd_n on H2 and H3

     639  640  648  656  672  688    689     697          721      725        791      794      810      819    827 829
      |idx*| K* | K'*| OL*| NL*|write*|flags*| T_o T_n SB* |inv,rz,dz| key bits | counter| windows| w,wsum| bytes|tab|
      | 1  | 8  | 8  | 16 | 16 | 1    | 8    | 8   8   8   | 4       | 31+31+4  | 3      | 8 + 8  | 8 + 1 | 8    | 2 |

Row kinds are one-hot: ``SH`` (level row where the old and the new path both run, sharing the sibling),
``XO`` / ``XN`` (level rows where only the old / only the new path runs: the extra levels of a
collapse / a split), ``H0`` … ``H4``, ``PAD``.  Group A hashes the old path on level rows, group B
the new path.  On hash rows the groups compute, in order::

    H0   A: value sponge block 1 of the old limbs          B: the same for the new limbs
    H1   A: value sponge block 2 → vd_old                  B: → vd_new
    H2   A: leaf sponge block 1 of K                       B: leaf sponge block 1 of K'   | sibling opening
    H3   A: leaf block 2 with vd_old → leaf(K, old)        B: leaf block 2 → leaf(K')     | its right child
    H4   A: leaf block 2 with vd_new → leaf(K, new)        B: unused (any permutation)

(the right column is used instead by a delete whose slot stays: it shows the deleted leaf's sibling is
an inner node, see :mod:`circuits.state_air`).
"""

from __future__ import annotations

from circuits.column_allocator import ColumnAllocator

from circuits.poseidon2 import DIGEST_SIZE
from circuits.poseidon2_air import GROUP_WIDTH, Poseidon2Group

__all__ = [
    "GROUP_A", "GROUP_B", "SCRATCH", "CHILD_O", "CHILD_N", "VD_O", "VD_N", "KINDS", "SH", "XO", "XN",
    "H0", "H1", "H2", "H3", "H4", "PAD", "START", "FIRST", "ROOT", "NEW_ROOT", "IDX", "KEY", "OTHER_KEY",
    "OLD_LIMBS", "NEW_LIMBS", "IS_WRITE", "FLAGS", "ON", "NN", "KO", "KN", "SP", "CL", "DNC", "HL",
    "T_OLD", "T_NEW", "BOTTOM_SIB", "INV_OLD", "INV_NEW", "RZ", "DZ", "KB", "KPB", "KB_H", "KPB_H",
    "CTR", "CTR_INV", "RELOAD", "WIN_K", "WIN_KP", "NZ_W", "NZ_SUM", "BYTES", "TAB", "TAB_MULT",
    "WIDTH", "ACCESS_BLOCK", "BLOCK_CONSTANT", "ELEMENT_BITS", "HASH_ROWS", "LIMBS", "TABLE_SIZE",
    "AUX_BUS", "AUX_RANGE", "AUX_TABLE", "AUX_SUM", "AUX_WIDTH",
]

ELEMENT_BITS = 31
"""Path bits taken from each key element (bit d of the path is bit d mod 31 of element ⌊d/31⌋)."""

LIMBS = 16
"""16-bit limbs of a 256-bit value."""

HASH_ROWS = 5
"""Hash rows closing every block (H0 … H4)."""

TABLE_SIZE = 256
"""Entries of the byte range table (values 0 … 255)."""

_columns = ColumnAllocator()
_take = _columns.take
_one = _columns.one


# ---- Poseidon2 groups ------------------------------------------------------------------------------
GROUP_A = Poseidon2Group(_take(GROUP_WIDTH)[0], "A: ")
GROUP_B = Poseidon2Group(_take(GROUP_WIDTH)[0], "B: ")

# ---- scratch: path children on level rows, value digests on H2/H3 ---------------------------------
SCRATCH = _take(2 * DIGEST_SIZE)
CHILD_O = range(SCRATCH[0], SCRATCH[0] + DIGEST_SIZE)
CHILD_N = range(SCRATCH[0] + DIGEST_SIZE, SCRATCH[-1] + 1)
VD_O, VD_N = CHILD_O, CHILD_N

# ---- row kinds (one-hot) -------------------------------------------------------------------------
KINDS = _take(9)
SH, XO, XN, H0, H1, H2, H3, H4, PAD = KINDS
START = _one()          # first row of a block
FIRST = _one()          # 1 on row 0 only

# ---- root register and the block's new root ------------------------------------------------------
ROOT = _take(DIGEST_SIZE)
NEW_ROOT = _take(DIGEST_SIZE)

# ---- access columns (constant over a block): what the bus carries ---------------------------------
IDX = _one()
KEY = _take(DIGEST_SIZE)
OTHER_KEY = _take(DIGEST_SIZE)
OLD_LIMBS = _take(LIMBS)
NEW_LIMBS = _take(LIMBS)
IS_WRITE = _one()
FLAGS = _take(8)
ON, NN, KO, KN, SP, CL, DNC, HL = FLAGS
"""ON/NN: old/new value ≠ 0; KO/KN: the old/new path ends at another key's leaf K'; SP: split
(= KO·NN); CL: collapse (= ON·KN); DNC: delete whose slot stays; HL: the block has level rows."""
T_OLD = _take(DIGEST_SIZE)       # digest the old path ends at (leaf, other leaf or empty)
T_NEW = _take(DIGEST_SIZE)
BOTTOM_SIB = _take(DIGEST_SIZE)  # sibling on the last level row

ACCESS_BLOCK = [IDX, *KEY, *OLD_LIMBS, *NEW_LIMBS, IS_WRITE]
"""The bus tuple of an access: (idx, key[8], old limbs[16], new limbs[16], is_write)."""

BLOCK_CONSTANT = [*KEY, *OTHER_KEY, *OLD_LIMBS, *NEW_LIMBS, KO, KN, HL, *T_OLD, *T_NEW, *BOTTOM_SIB, *NEW_ROOT]
"""Columns constrained to keep their value from a block's first row to its H4 row.  The other
access columns need no such constraint: ON and NN follow from the limbs on every row, SP, CL and DNC
are products of constant flags on every row, and is_write counts on the H0 row only (the bus reads it
there and the read rule holds there)."""

# ---- per-row helpers -----------------------------------------------------------------------------
INV_OLD = _one()        # inverse of Σ old limbs (when ≠ 0)
INV_NEW = _one()
RZ = _one()             # sibling opening: the right child is empty
DZ = _one()             # = DNC·RZ

# ---- key path bits: rotating registers of the current key element's 31 bits ----------------------
KB = _take(ELEMENT_BITS)
KPB = _take(ELEMENT_BITS)
KB_H = _take(2)         # kb27·kb28, kb27·kb28·kb29·kb30 (canonical-decomposition helpers)
KPB_H = _take(2)
CTR = _one()            # position of the current bit inside its element, 0 … 30
CTR_INV = _one()        # 1/(CTR − 30) on rows that rotate
RELOAD = _one()         # the registers hold a fresh element decomposition on this row
WIN_K = _take(DIGEST_SIZE)   # key elements not yet consumed (window[0] is the current element)
WIN_KP = _take(DIGEST_SIZE)

# ---- non-zero witnesses --------------------------------------------------------------------------
NZ_W = _take(DIGEST_SIZE)
NZ_SUM = _one()

# ---- byte range check ----------------------------------------------------------------------------
BYTES = _take(8)        # on H0 … H3: the bytes of new limbs 4i … 4i+3 (lo, hi, lo, hi, …)
TAB = _one()
TAB_MULT = _one()

WIDTH = _columns.next
"""Main trace columns (829)."""

# ---- auxiliary (extension) columns ---------------------------------------------------------------
AUX_BUS = 0             # 1/(α − φ(access tuple)) on every row
AUX_RANGE = range(1, 5)  # one per pair of bytes: 1/(β − a) + 1/(β − b) on H0 … H3
AUX_TABLE = 5           # m/(β − tab)
AUX_SUM = 6             # running sum
AUX_WIDTH = 7
