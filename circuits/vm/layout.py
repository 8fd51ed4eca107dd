"""Trace layout of the execution circuit: one row per EVM step, then rows after the halt.

Rows, top to bottom: the steps (a CALLDATACOPY or CODECOPY continues on a COPYSIZE row and one
COPYUNIT row per write, see :mod:`circuits.vm.copy`; a KECCAK256 on one COPYUNIT row per read, a LOGn
on n LOGTOPIC rows and one COPYUNIT row per read, see :mod:`circuits.vm.reads`; an ADDMOD, MULMOD or
EXP on one FINISH row, see :mod:`circuits.vm.linked`); padding rows that
drain the stack one word a row; chiplet rows — two
per bitwise or shift operation (:mod:`circuits.vm.chiplets`), six per MUL, DIV or MOD
(:mod:`circuits.vm.mul_chiplet`), ten per SDIV or SMOD (:mod:`circuits.vm.signed_division`), three per memory access
(:mod:`circuits.vm.memory_chiplet`), one per memory word touched and one per returned word
(:mod:`circuits.vm.memory_words`), two per storage access and two per slot touched
(:mod:`circuits.vm.storage_chiplet`), twenty per ADDMOD or MULMOD (:mod:`circuits.vm.modular`), 5 + 8 per
bit of the exponent and 6 per set bit for EXP (:mod:`circuits.vm.exp`), one per account read and one per transient slot
(:mod:`circuits.vm.accounts`, :mod:`circuits.vm.transient`) and one gap row per access to either or per
account or slot (:mod:`circuits.vm.gaps`); idle rows.  The table region (the fixed entries, see
:mod:`circuits.vm.tables`) runs alongside in its own columns from row 0.

Main trace (base-field columns), left to right::

    ┌──────────── CPU ─────────────────────────────────────────────────────────────┬─ chiplets ─┬── table ──┐
    │ control   │ selectors │ W0 (32) │ W1 (32) │ W2 (32) │ carries │ range limbs  │ flags and  │ E M ONE   │
    │ clk pc sp │ one per   │ consumed│ consumed│ result /│ 16, one │ gas 4 · sp 4 │ scalar     │ F0..23    │
    │ gas ms ...│ Group     │ word 0  │ word 1  │ helper  │ per pair│ time gaps 2×3│ helpers    │ entries   │
    └───────────┴───────────┴─────────┴─────────┴─────────┴─────────┴──────────────┴────────────┴───────────┘

* control: the step's clock, pc, stack depth before the step, gas before the step, halted flag, status
  code, the opcode's n (PUSHn/DUPn/SWAPn) and valid-JUMPDEST flag (both from the bytecode table),
  helper flags (continue, jump taken, two zero tests with their inverses, boolean result), the drain
  flag of padding rows, the error kinds (out of gas, stack underflow and overflow, invalid jump
  destination), the memory state (size ms in words, mq = ⌊ms²/512⌋) and a memory step's expansion
  helpers (grow, need, xa, mret), CALLDATALOAD's flags (cda, cdb), a copy's registers (stay,
  destination, source, bytes left, size, source kind, copy id, unit type and flags, lookup offset), a
  storage step's gas and refund change, the refund counter rf and succ, askd (a DIV or MOD by a
  non-zero divisor asks the multiplication chiplet), the stack addresses of slots C0, C1, P3, the production times of the
  consumed words, the out-of-gas gap, and the sign bits sa, sb of SLT/SGT's operands (sb is also the
  sign of SAR's value); the unit kinds khash, klog of KECCAK256's and LOG's reads, a LOG topic's
  index tidx and a read unit's gas ugas (:mod:`circuits.vm.reads`); RETURNDATACOPY's out-of-bounds
  flag e_rd; the account and transient version chains' times vtp, vtn, the time gap gx a row sends,
  the warm bits awb, awn and a cold access acold.
* W0, W1, W2: 256-bit words as 32 little-endian bytes (limb 0 is the least significant).  W0 and W1
  are the words consumed through slots C0 and C1; W2 is the produced word or, for comparisons, the
  difference word d of the adder (see :mod:`circuits.vm.adder`), or a step's byte-sized witness
  (an invalid jump's gap bounds, a memory step's expansion; MLOAD and the environment opcodes push
  from W1).  Chiplet rows reuse the three words for their operands, results and
  helpers; W2's 32 byte slots are range-checked (or, on bitwise rows, looked up as AND keys).
* carries: one carry bit per pair of bytes of the shared 256-bit adder.
* range limbs: bytes that prove gas ∈ [0, 2^30), 1024 − sp ≥ 0, the underflow test, that every
  consumed word was produced earlier (time gaps, 3 bytes per consuming slot), and the two sign-bit
  helpers ha, hb of SLT/SGT (hb also of SAR).
* chiplets: one flag per chiplet row kind, the shift chiplet's scalars (small, r's bits, 2^r, the
  multiplier m, BYTE's and SIGNEXTEND's in-range flag, SAR's sign neg, SIGNEXTEND's sign sxs), the
  memory chiplet's word index and version times (mw, mt1, mt2, mtn) and lastw, the latest
  memory-word row's index (−1 until the first word row), the storage chiplet's version times, warm
  flag, gas and refund, and its six zero tests (flags, inverses) with five helper products — the zero tests are filled on every row, the rest is zero on CPU rows;
  then the row kinds of ADDMOD's, MULMOD's and EXP's chiplet rows and of the wide division (their
  scalars reuse the shift, memory and storage chiplets' columns, see :mod:`circuits.vm.linked`);
  then the account, transient-slot and gap rows' flags.
* table: the fixed-entry region.  E marks a row holding an entry, M counts how often it is looked
  up, ONE marks entries that must be looked up exactly once, F0..F23 are its fields (F0 is the tag).

Auxiliary trace (extension-field columns, built after the challenges α, β)::

    ┌ code ┬ C0·C1 ┬ P2 ┬ P3·gap ┬ chiplet req·resp ┬ memory versions ┬ memory req·resp ┬ output ┬
    ┬ environment ┬ storage req·resp ┬ storage versions ┬ storage init·final ┬ table w ┬ range pairs (24)
    ┬ S ┬ S2 ┬ hashes and logs ┬ exponent ┬ account versions ┬ account and slot lookups
    ┬ transient versions ┬ time gaps ┐

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
MS = _alloc()
MQ = _alloc()
MG = _alloc()
NEED = _alloc()
XA = _alloc()
MRET = _alloc()
CDA = _alloc()
CDB = _alloc()
STAY = _alloc()
CPDST = _alloc()
CPSRC = _alloc()
CPREM = _alloc()
KCD = _alloc()
KCODE = _alloc()
U_RW = _alloc()
U_RB = _alloc()
U_WW = _alloc()
U_WB = _alloc()
UBEY = _alloc()
LASTU = _alloc()
LASTR = _alloc()
LOFF = _alloc()
KMC = _alloc()
CPID = _alloc()
CPSIZE = _alloc()
SGAS = _alloc()
SREF = _alloc()
RF = _alloc()
SUCC = _alloc()
ASKD = _alloc()
A0 = _alloc()
A1 = _alloc()
A3 = _alloc()
TP0 = _alloc()
TP1 = _alloc()
OOGD = _alloc()
SA = _alloc()
SB = _alloc()
KHASH = _alloc()
KLOG = _alloc()
TIDX = _alloc()
UGAS = _alloc()
E_RD = _alloc()
"""RETURNDATACOPY's out-of-bounds halt, on its RDSIZE row (:mod:`circuits.vm.returndata`)."""
VTP = _alloc()
VTN = _alloc()
GX = _alloc()
AWB = _alloc()
AWN = _alloc()
ACOLD = _alloc()
"""Account and transient version chains: the consumed and produced versions' times, the time gap a row
sends to the gap rows, the consumed and produced warm bits, a cold account access
(:mod:`circuits.vm.accounts`, :mod:`circuits.vm.transient`, :mod:`circuits.vm.gaps`)."""
KCALL = _alloc()
KRET = _alloc()
CCOST = _alloc()
XCALL = _alloc()
SWI = _alloc()
STC = _alloc()
E_ST = _alloc()
"""Unit kinds of a call: reading its input, writing its output back; the gas CALLEND takes; the
CALLARG row that grows memory over the output region (:mod:`circuits.vm.calls`); a storage slot warm
when the run starts, on its T2 row (:mod:`circuits.vm.storage_chiplet`); the frame is static, and a
write's static-context halt (:mod:`circuits.vm.static`)."""
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
HA = _alloc()
HB = _alloc()
"""2·(top byte − 128·sign bit) of SLT/SGT's operands (hb: also SAR's value) as bytes: each sign bit is the
top bit (0 elsewhere)."""
CPU_WIDTH = _next

# ---- chiplet flags and helpers (see circuits.vm.chiplets) --------------------------------------------
CH_AND = _alloc()
CH_OR = _alloc()
CH_XOR = _alloc()
CH_BW2 = _alloc()
CH_SHL = _alloc()
CH_SHR = _alloc()
CH_BYTE = _alloc()
CH_SAR = _alloc()
CH_SX = _alloc()
CH_SH2 = _alloc()
CH_SMALL = _alloc()
CH_BITS = _alloc(3)
CH_POW = _alloc()
CH_M = _alloc()
CH_INR = _alloc()
CH_NEG = _alloc()
CH_SXS = _alloc()
CH_M0 = _alloc()
CH_MLD = _alloc()
CH_MST = _alloc()
CH_MST8 = _alloc()
CH_MSTH = _alloc()
CH_M2 = _alloc()
CH_MREG = _alloc()
CH_MOUT = _alloc()
CH_SLD = _alloc()
CH_SST = _alloc()
CH_S2 = _alloc()
CH_SLOT = _alloc()
CH_SLOT2 = _alloc()
CH_N0 = _alloc()
CH_MUL = _alloc()
CH_DIV = _alloc()
CH_MOD = _alloc()
CH_N2 = _alloc()
CH_N3 = _alloc()
CH_N4 = _alloc()
CH_N5 = _alloc()
CH_SDIV = _alloc()
CH_SMOD = _alloc()
CH_SD2 = _alloc()
CH_SQ = _alloc()
CH_SR = _alloc()
CH_SD4 = _alloc()
STP = _alloc()
STN = _alloc()
SWB = _alloc()
SC = _alloc()
SR = _alloc()
S_FLAGS = _alloc(6)
S_INVS = _alloc(6)
S_HELP = _alloc(5)
MW = _alloc()
MT1 = _alloc()
MT2 = _alloc()
MTN = _alloc()
LASTW = _alloc()
CH_HD = _alloc()
CH_FIN = _alloc()
CH_MQ = _alloc()
CH_MU = _alloc()
CH_MPA = _alloc()
CH_XS = _alloc()
CH_XM = _alloc()
CH_DW = _alloc()
"""ADDMOD, MULMOD and EXP rows (:mod:`circuits.vm.linked`, :mod:`circuits.vm.modular`, :mod:`circuits.vm.exp`)
and the multiplication chiplet's wide division (:mod:`circuits.vm.mul_chiplet`)."""
CH_ACCT = _alloc()
CH_TSLOT = _alloc()
CH_GAP = _alloc()
"""An account's row, a transient slot's row and a gap row (:mod:`circuits.vm.accounts`,
:mod:`circuits.vm.transient`, :mod:`circuits.vm.gaps`)."""
CHIPLET_WIDTH = _next - CPU_WIDTH

# ---- fixed-entry table -----------------------------------------------------------------------------
T_E = _alloc()
T_M = _alloc()
T_ONE = _alloc()
T_FIELDS = 24
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
AUX_MEM = 5
AUX_MREQ = 6
AUX_OUT = 7
AUX_ENV = 8
AUX_SREQ = 9
AUX_SVER = 10
AUX_SPUB = 11
AUX_TW = 12
AUX_RANGE = 13
RANGE_VALUES = WORD_LIMBS + 6 + 4 + 6 + 2
"""W2 bytes, gas bytes (+ g3 + 192) and the out-of-gas gap, sp bytes, time-gap bytes, sign helpers."""
RANGE_PAIRS = (RANGE_VALUES + 1) // 2
AUX_S = AUX_RANGE + RANGE_PAIRS
AUX_S2 = AUX_S + 1
AUX_PUB = AUX_S2 + 1
AUX_EXP = AUX_PUB + 1
"""EXP's exponent accumulator (:mod:`circuits.vm.exp`)."""
AUX_AVER = AUX_EXP + 1
AUX_ALOOK = AUX_AVER + 1
AUX_TVER = AUX_ALOOK + 1
AUX_GAP = AUX_TVER + 1
"""Account versions, account and transient-slot lookups, transient versions, time gaps."""
AUX_WIDTH = AUX_GAP + 1


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
    def s_flags(self) -> Sequence:
        return self.c[S_FLAGS:S_FLAGS + 6]

    @property
    def s_invs(self) -> Sequence:
        return self.c[S_INVS:S_INVS + 6]

    @property
    def s_help(self) -> Sequence:
        return self.c[S_HELP:S_HELP + 5]

    @property
    def fields(self) -> Sequence:
        return self.c[T_F:T_F + T_FIELDS]


_NAMED = {
    "clk": CLK, "pc": PC, "sp": SP, "gas": GAS, "halted": HALTED, "status": STATUS, "n": N, "jd": JD,
    "cont": CONT, "taken": TAKEN, "zflag": ZFLAG, "zinv": ZINV, "res": RES, "drain": DRAIN,
    "sa": SA, "sb": SB, "ha": HA, "hb": HB, "e_oog": E_OOG, "e_uf": E_UF, "e_of": E_OF, "e_jd": E_JD, "zflag2": ZFLAG2, "zinv2": ZINV2, "a0": A0, "a1": A1, "a3": A3, "tp0": TP0, "tp1": TP1, "oogd": OOGD,
    "e": T_E, "m": T_M,
    "ch_and": CH_AND, "ch_or": CH_OR, "ch_xor": CH_XOR, "ch_bw2": CH_BW2, "ch_shl": CH_SHL, "ch_shr": CH_SHR,
    "ch_byte": CH_BYTE, "ch_sar": CH_SAR, "ch_sx": CH_SX, "ch_neg": CH_NEG, "ch_sxs": CH_SXS, "ch_sh2": CH_SH2, "ch_small": CH_SMALL, "ch_pow": CH_POW, "ch_m": CH_M, "ch_inr": CH_INR,
    "ms": MS, "mq": MQ, "mg": MG, "need": NEED, "xa": XA, "mret": MRET, "cda": CDA, "cdb": CDB,
    "stay": STAY, "cpdst": CPDST, "cpsrc": CPSRC, "cprem": CPREM, "kcd": KCD, "kcode": KCODE, "u_rw": U_RW,
    "u_rb": U_RB, "u_ww": U_WW, "u_wb": U_WB, "ubey": UBEY, "lastu": LASTU, "lastr": LASTR, "loff": LOFF,
    "kmc": KMC, "cpid": CPID, "cpsize": CPSIZE, "sgas": SGAS, "sref": SREF, "rf": RF, "succ": SUCC, "askd": ASKD,
    "ch_n0": CH_N0, "ch_mul": CH_MUL, "ch_div": CH_DIV, "ch_mod": CH_MOD, "ch_n2": CH_N2, "ch_n3": CH_N3,
    "ch_n4": CH_N4, "ch_n5": CH_N5, "ch_sdiv": CH_SDIV, "ch_smod": CH_SMOD, "ch_sd2": CH_SD2, "ch_sq": CH_SQ,
    "ch_sr": CH_SR, "ch_sd4": CH_SD4,
    "ch_sld": CH_SLD, "ch_sst": CH_SST, "ch_s2": CH_S2, "ch_slot": CH_SLOT, "ch_slot2": CH_SLOT2, "stp": STP,
    "stn": STN, "swb": SWB, "sc": SC, "sr": SR,
    "ch_m0": CH_M0, "ch_mld": CH_MLD, "ch_mst": CH_MST, "ch_mst8": CH_MST8, "ch_msth": CH_MSTH, "ch_m2": CH_M2, "ch_mreg": CH_MREG,
    "ch_mout": CH_MOUT, "mw": MW, "mt1": MT1, "mt2": MT2, "mtn": MTN, "lastw": LASTW, "t_one": T_ONE,
    "khash": KHASH, "klog": KLOG, "tidx": TIDX, "ugas": UGAS,
    "ch_hd": CH_HD, "ch_fin": CH_FIN, "ch_mq": CH_MQ, "ch_mu": CH_MU, "ch_mpa": CH_MPA, "ch_xs": CH_XS,
    "ch_xm": CH_XM, "ch_dw": CH_DW,
    "e_rd": E_RD, "vtp": VTP, "vtn": VTN, "gx": GX, "awb": AWB, "awn": AWN, "acold": ACOLD,
    "ch_acct": CH_ACCT, "ch_tslot": CH_TSLOT, "ch_gap": CH_GAP, "kcall": KCALL, "kret": KRET, "ccost": CCOST, "xcall": XCALL, "swi": SWI, "stc": STC, "e_st": E_ST,
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
                          (TD1, "td1", 3), (CH_BITS, "ch_bit", 3), (S_FLAGS, "s_flag", 6), (S_INVS, "s_inv", 6),
                          (S_HELP, "s_help", 5), (T_F, "f", T_FIELDS)):
    for _i in range(_k):
        COLUMN_NAMES[_base + _i] = f"{_label}[{_i}]"
del _name, _col, _g, _i, _base, _label, _k
