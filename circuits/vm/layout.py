"""Trace layout of the execution circuit: one row per EVM step, then padding rows after the halt.

Main trace (base-field columns), left to right::

    ┌──────────── CPU ─────────────────────────────────────────────────────────────────────┬── table ──┐
    │ control   │ selectors │ W0 (32) │ W1 (32) │ W2 (32) │ carries │ range limbs          │ E M F0..15│
    │ clk pc sp │ one per   │ consumed│ consumed│ result /│ 16, one │ gas 4 · sp 4 ·       │ fixed     │
    │ gas ...   │ Group     │ word 0  │ word 1  │ helper  │ per pair│ stack-time gaps 2×3  │ entries   │
    └───────────┴───────────┴─────────┴─────────┴─────────┴─────────┴──────────────────────┴───────────┘

* control: the step's clock, pc, stack depth before the step, gas before the step, halted flag, status
  code, the opcode's n (PUSHn/DUPn/SWAPn) and valid-JUMPDEST flag (both from the bytecode table),
  helper flags (continue, jump taken, is-zero result and inverse, boolean result), the drain flag of
  padding rows, the error kinds, the stack addresses of slots C0, C1, P3, the production times of the
  consumed words, and the out-of-gas gap.
* W0, W1, W2: 256-bit words as 32 little-endian bytes (limb 0 is the least significant).  W0 and W1
  are the words consumed through slots C0 and C1; W2 is the produced word or, for comparisons, the
  difference word d of the adder (see :mod:`circuits.vm.adder`).
* carries: one carry bit per pair of bytes of the shared 256-bit adder.
* range limbs: bytes that prove gas ∈ [0, 2^30), 1024 − sp ≥ 0, the underflow test, and that every
  consumed word was produced earlier (time gaps, 3 bytes per consuming slot).
* table: the fixed-entry region (range entries 0..255 and the bytecode entries).  E marks a row
  holding an entry, M counts how often the CPU looked it up, F0..F15 are its fields (F0 is the tag).

Auxiliary trace (extension-field columns, built after the challenges α, β)::

    ┌ code ┬ C0·C1 ┬ P2 ┬ P3 ┬ table w ┬ range pairs (24) ┬ S ┬ S2 ┐

Row views: :class:`Row` gives every column a name, so constraints read ``row.gas`` or ``row.w0[5]``
rather than indices.
"""

from __future__ import annotations

from typing import Sequence

from circuits.vm.opcodes import NUM_GROUPS, Group

_next = 0


def _alloc(width: int = 1) -> int:
    global _next
    start = _next
    _next += width
    return start


# ---- control ---------------------------------------------------------------------------------------
CLK = _alloc()
PC = _alloc()
SP = _alloc()
GAS = _alloc()
HALTED = _alloc()
STATUS = _alloc()
N = _alloc()
JD = _alloc()
CONT = _alloc()
TAKEN = _alloc()
ZFLAG = _alloc()
ZINV = _alloc()
RES = _alloc()
DRAIN = _alloc()
E_OOG = _alloc()
E_UF = _alloc()
E_OF = _alloc()
E_JD = _alloc()
ZFLAG2 = _alloc()
ZINV2 = _alloc()
A0 = _alloc()
A1 = _alloc()
A3 = _alloc()
TP0 = _alloc()
TP1 = _alloc()
OOGD = _alloc()
CONTROL_WIDTH = _next

# ---- selectors -------------------------------------------------------------------------------------
SEL_OFFSET = _alloc(NUM_GROUPS)
SEL_WIDTH = NUM_GROUPS


def sel(group: Group) -> int:
    return SEL_OFFSET + int(group) - 1


# ---- words -----------------------------------------------------------------------------------------
WORD_LIMBS = 32
W0_OFFSET = _alloc(WORD_LIMBS)
W1_OFFSET = _alloc(WORD_LIMBS)
W2_OFFSET = _alloc(WORD_LIMBS)
CARRY_OFFSET = _alloc(WORD_LIMBS // 2)
CARRY_WIDTH = WORD_LIMBS // 2

# ---- range-checked limbs ---------------------------------------------------------------------------
GAS_LIMBS = _alloc(4)
"""gas = g0 + 2^8 g1 + 2^16 g2 + 2^24 g3 with g3 < 64: gas ∈ [0, 2^30)."""
SPL = _alloc(2)
"""1024 − sp as two bytes: sp never exceeds the stack limit."""
SPU = _alloc(2)
"""sp − need (no underflow) or need − 1 − sp (underflow proven), as two bytes."""
TD0 = _alloc(3)
TD1 = _alloc(3)
"""t − t_prod − 1 for slots C0 and C1 as three bytes: each consumed word was produced earlier."""
CPU_WIDTH = _next

# ---- chiplet flags and helpers (see circuits.vm.chiplets) --------------------------------------------
CH_AND = _alloc()
CH_OR = _alloc()
CH_XOR = _alloc()
CH_BW2 = _alloc()
CH_SHL = _alloc()
CH_SHR = _alloc()
CH_BYTE = _alloc()
CH_SH2 = _alloc()
CH_SMALL = _alloc()
CH_BITS = _alloc(3)
CH_POW = _alloc()
CH_M = _alloc()
CH_INR = _alloc()
CHIPLET_WIDTH = _next - CPU_WIDTH

# ---- fixed-entry table -----------------------------------------------------------------------------
T_E = _alloc()
T_M = _alloc()
T_FIELDS = 16
T_F = _alloc(T_FIELDS)
WIDTH = _next

MAX_GAS = 1 << 30
"""Gas values are proven below 2^30 (four bytes, the top one below 64)."""
STACK_LIMIT = 1024
TIME_BITS = 24
"""Stack-time gaps are proven below 2^24, so a trace has at most 2^22 rows (4 access times per row)."""
MAX_TRACE_LOG = TIME_BITS - 2

# ---- auxiliary columns -----------------------------------------------------------------------------
AUX_CODE = 0
AUX_C01 = 1
AUX_P2 = 2
AUX_P3 = 3
AUX_REQ = 4
AUX_TW = 5
AUX_RANGE = 6
RANGE_VALUES = WORD_LIMBS + 6 + 4 + 6
"""W2 bytes, gas bytes (+ g3 + 192) and the out-of-gas gap, sp bytes, time-gap bytes."""
RANGE_PAIRS = (RANGE_VALUES + 1) // 2
AUX_S = AUX_RANGE + RANGE_PAIRS
AUX_S2 = AUX_S + 1
AUX_WIDTH = AUX_S2 + 1


class Row:
    """Named view of one row (``cur`` or ``nxt``) of the main trace, for any value type."""

    __slots__ = ("c",)

    def __init__(self, cols: Sequence):
        self.c = cols

    def __getattr__(self, name: str):
        return self.c[_NAMED[name]]

    def s(self, group: Group):
        return self.c[sel(group)]

    @property
    def w0(self) -> Sequence:
        return self.c[W0_OFFSET:W0_OFFSET + WORD_LIMBS]

    @property
    def w1(self) -> Sequence:
        return self.c[W1_OFFSET:W1_OFFSET + WORD_LIMBS]

    @property
    def w2(self) -> Sequence:
        return self.c[W2_OFFSET:W2_OFFSET + WORD_LIMBS]

    @property
    def carries(self) -> Sequence:
        return self.c[CARRY_OFFSET:CARRY_OFFSET + CARRY_WIDTH]

    @property
    def gas_limbs(self) -> Sequence:
        return self.c[GAS_LIMBS:GAS_LIMBS + 4]

    @property
    def spl(self) -> Sequence:
        return self.c[SPL:SPL + 2]

    @property
    def spu(self) -> Sequence:
        return self.c[SPU:SPU + 2]

    @property
    def td0(self) -> Sequence:
        return self.c[TD0:TD0 + 3]

    @property
    def td1(self) -> Sequence:
        return self.c[TD1:TD1 + 3]

    @property
    def bits(self) -> Sequence:
        return self.c[CH_BITS:CH_BITS + 3]

    @property
    def fields(self) -> Sequence:
        return self.c[T_F:T_F + T_FIELDS]


_NAMED = {
    "clk": CLK, "pc": PC, "sp": SP, "gas": GAS, "halted": HALTED, "status": STATUS, "n": N, "jd": JD,
    "cont": CONT, "taken": TAKEN, "zflag": ZFLAG, "zinv": ZINV, "res": RES, "drain": DRAIN,
    "e_oog": E_OOG, "e_uf": E_UF, "e_of": E_OF, "e_jd": E_JD, "zflag2": ZFLAG2, "zinv2": ZINV2, "a0": A0, "a1": A1, "a3": A3, "tp0": TP0, "tp1": TP1, "oogd": OOGD,
    "e": T_E, "m": T_M,
    "ch_and": CH_AND, "ch_or": CH_OR, "ch_xor": CH_XOR, "ch_bw2": CH_BW2, "ch_shl": CH_SHL, "ch_shr": CH_SHR,
    "ch_byte": CH_BYTE, "ch_sh2": CH_SH2, "ch_small": CH_SMALL, "ch_pow": CH_POW, "ch_m": CH_M, "ch_inr": CH_INR,
}

COLUMN_NAMES: list[str] = [""] * WIDTH
for _name, _col in _NAMED.items():
    COLUMN_NAMES[_col] = _name
for _g in Group:
    COLUMN_NAMES[sel(_g)] = f"s_{_g.name.lower()}"
for _i in range(WORD_LIMBS):
    COLUMN_NAMES[W0_OFFSET + _i] = f"w0[{_i}]"
    COLUMN_NAMES[W1_OFFSET + _i] = f"w1[{_i}]"
    COLUMN_NAMES[W2_OFFSET + _i] = f"w2[{_i}]"
for _i in range(CARRY_WIDTH):
    COLUMN_NAMES[CARRY_OFFSET + _i] = f"carry[{_i}]"
for _base, _label, _k in ((GAS_LIMBS, "gas_limb", 4), (SPL, "spl", 2), (SPU, "spu", 2), (TD0, "td0", 3),
                          (TD1, "td1", 3), (CH_BITS, "ch_bit", 3), (T_F, "f", T_FIELDS)):
    for _i in range(_k):
        COLUMN_NAMES[_base + _i] = f"{_label}[{_i}]"
del _name, _col, _g, _i, _base, _label, _k
