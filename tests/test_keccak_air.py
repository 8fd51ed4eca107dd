"""The Keccak-f[1600] column group, its permutation table and the keccak-256 sponge statement.

Witness: the numpy permutation equals pycryptodome through the sponge, the vectorized rows equal a
plain-int reference that follows FIPS 202 lane by lane and bit by bit.  Soundness: every
constraint group has a mutation that it alone catches (built by the reference with a hook that
breaks one thing and recomputes everything after it from the constraint polynomials, inside a
padding permutation so the bus is untouched), and the verifier refuses a cheating proof of each;
false statements, forged multiplicities, reordered rows and changed public inputs are refused.
Declared degrees equal the symbolic ones.
"""

from __future__ import annotations

import numpy as np
import pytest
from Crypto.Hash import keccak as pycryptodome_keccak

from circuits import field as F
from circuits.air import find_violations
from circuits.extension import Ext
from circuits.keccak_air import (
    CONSTRAINT_GROUPS,
    GROUP_CONSTRAINTS,
    MULT,
    Keccak256Air,
    Keccak256Statement,
    KeccakAir,
    KeccakGroup,
    KeccakStatement,
    group_witness,
    keccak256_many,
    keccak256_statement,
    keccak256_trace,
    keccak_f,
    keccak_trace,
    lanes_to_limbs,
    limbs_to_lanes,
)
from circuits.keccak_layout import (
    A_OFFSET,
    CHI00_OFFSET,
    FLAGS_OFFSET,
    GROUP_WIDTH,
    OUT_OFFSET,
    PREIMAGE_OFFSET,
    RC,
    RHO,
    ROUNDS,
    KeccakRow,
    a_prime_col,
    c_col,
    lane,
    limb_col,
)
from circuits.values import BaseVec
from prover.stark import prove
from verifier.errors import VerificationError
from verifier.stark import verify
from verifier.proof import ProofOptions

P = F.P
M64 = (1 << 64) - 1
OPTS = ProofOptions(blowup=8, num_queries=20, grinding_bits=2, fri_remainder_log=2)


def pycryptodome(data: bytes) -> bytes:
    return pycryptodome_keccak.new(digest_bits=256, data=data).digest()


# ---- a plain-int reference, FIPS 202 style ------------------------------------------------------

def _rot(v: int, r: int) -> int:
    return ((v << r) | (v >> (64 - r))) & M64 if r else v


def _xor(a: int, b: int) -> int:
    return (a + b - 2 * a * b) % P


def _limbs(v: int) -> list[int]:
    return [(v >> (16 * j)) & 0xFFFF for j in range(4)]


def reference_rows(state, *, bits=None, chi00=None, out=None, rc=None, inject=None, flags=None) -> list[list[int]]:
    """The 24 rows of one permutation from plain ints.

    Honest values come lane by lane from the FIPS 202 step mappings.  Hooks break one thing:
    ``bits(r, c, cp, ap)`` edits round r's committed bits (c[x][z], cp[x][z], ap[x][y][z]),
    ``chi00(r, bits)`` and ``out(r, limbs)`` edit those columns, ``rc[r]`` replaces a round
    constant, ``inject[r]`` replaces round r's input state, ``flags[r]`` the round flag of row r.
    Everything downstream is recomputed from the constraint polynomials (mod p): round 0's ``a``
    and the preimage from the bits, ``out`` from χ of the bits, the next round from ``out``.
    """
    A = [[int(state[lane(x, y)]) for y in range(5)] for x in range(5)]
    rows = []
    for r in range(ROUNDS):
        if inject and r in inject:
            A = [[int(inject[r][lane(x, y)]) for y in range(5)] for x in range(5)]
        row = [0] * GROUP_WIDTH
        f = flags.get(r, r) if flags else r
        row[FLAGS_OFFSET + f] = 1
        C = [A[x][0] ^ A[x][1] ^ A[x][2] ^ A[x][3] ^ A[x][4] for x in range(5)]
        D = [C[(x - 1) % 5] ^ _rot(C[(x + 1) % 5], 1) for x in range(5)]
        Ap = [[A[x][y] ^ D[x] for y in range(5)] for x in range(5)]
        c = [[(C[x] >> z) & 1 for z in range(64)] for x in range(5)]
        cp = [[((C[x] ^ D[x]) >> z) & 1 for z in range(64)] for x in range(5)]
        ap = [[[(Ap[x][y] >> z) & 1 for z in range(64)] for y in range(5)] for x in range(5)]
        if bits:
            bits(r, c, cp, ap)
        for x in range(5):
            for z in range(64):
                row[c_col(x, z)] = c[x][z] % P
                row[c_col(x, z, prime=True)] = cp[x][z] % P
                for y in range(5):
                    row[a_prime_col(x, y, z)] = ap[x][y][z] % P
        # a: round 0 reads it off the bits (a = a' ⊕ c ⊕ c'); later rounds take the previous out
        for x in range(5):
            for y in range(5):
                if r == 0:
                    vals = [_xor(ap[x][y][z], _xor(c[x][z], cp[x][z])) for z in range(64)]
                    limbs = [sum(vals[16 * j + i] << i for i in range(16)) % P for j in range(4)]
                else:
                    limbs = _limbs(A[x][y])
                for j in range(4):
                    row[limb_col(A_OFFSET, x, y, j)] = limbs[j]
        # ρ and π: B[y][2x + 3y] bit z = A'[x][y] bit z − RHO; χ on the (possibly tampered) bits
        B = [[None] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                rho = int(RHO[lane(x, y)])
                B[y][(2 * x + 3 * y) % 5] = [ap[x][y][(z - rho) % 64] for z in range(64)]
        chi = [[[0] * 64 for _ in range(5)] for _ in range(5)]
        for x in range(5):
            for y in range(5):
                for z in range(64):
                    b0, b1, b2 = B[x][y][z], B[(x + 1) % 5][y][z], B[(x + 2) % 5][y][z]
                    t = (1 - b1) * b2
                    chi[x][y][z] = (b0 + t - 2 * b0 * t) % P
        c00 = list(chi[0][0])
        if chi00:
            chi00(r, c00)
        const = rc.get(r, RC[f]) if rc else RC[f]
        for z in range(64):
            row[CHI00_OFFSET + z] = c00[z] % P
        limbs_out = {}
        for x in range(5):
            for y in range(5):
                v = [_xor(c00[z], (const >> z) & 1) for z in range(64)] if (x, y) == (0, 0) else chi[x][y]
                limbs_out[(x, y)] = [sum(v[16 * j + i] << i for i in range(16)) % P for j in range(4)]
        if out:
            out(r, limbs_out)
        for (x, y), limbs in limbs_out.items():
            for j in range(4):
                row[limb_col(OUT_OFFSET, x, y, j)] = limbs[j]
        rows.append(row)
        if any(l >= 1 << 16 for ls in limbs_out.values() for l in ls):
            raise ValueError(f"round {r}'s out is not a state")
        A = [[sum(limbs_out[(x, y)][j] << (16 * j) for j in range(4)) for y in range(5)] for x in range(5)]
    pre = [rows[0][A_OFFSET + i] for i in range(100)]
    for row in rows:
        row[PREIMAGE_OFFSET:PREIMAGE_OFFSET + 100] = pre
    return rows


def random_states(k: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 1 << 63, size=(k, 25), dtype=np.uint64) * np.uint64(2) + \
        np.random.default_rng(seed + 1).integers(0, 2, size=(k, 25), dtype=np.uint64)


NASTY = np.array([[0] * 25, [M64] * 25, [1 << 63] * 25, [1] + [0] * 24, list(range(25))], dtype=np.uint64)


def groups_failing(air, trace, pi) -> set[str]:
    return {v.name.split(" [")[0] for v in find_violations(air, trace, pi, limit=0)}


def refused(air, trace, pi, verify_pi=None):
    proof = prove(air, trace, pi, OPTS, check=False)
    with pytest.raises(VerificationError):
        verify(air, proof.to_bytes(), pi if verify_pi is None else verify_pi, min_security=0)


# ---- constants, permutation, sponge -------------------------------------------------------------

def test_constants_match_fips_202():
    assert RC[0] == 1 and RC[1] == 0x8082 and RC[23] == 0x8000000080008008
    assert RC[5] == 0x80000001 and RC[12] == 0x8000808B and len(set(RC)) == 22  # two values repeat
    assert [int(RHO[lane(x, 0)]) for x in range(5)] == [0, 1, 62, 28, 27]
    assert [int(RHO[lane(0, y)]) for y in range(5)] == [0, 36, 3, 41, 18]


def test_permutation_of_zero_is_the_known_vector():
    out = keccak_f(np.zeros((1, 25), dtype=np.uint64))
    assert int(out[0, 0]) == 0xF1258F7940E1DDE7 and int(out[0, 1]) == 0x84D5CCF933C0478A


@pytest.mark.parametrize("length", [0, 1, 55, 135, 136, 137, 271, 272, 273, 1000])
def test_sponge_equals_pycryptodome(length):
    msg = bytes((7 * i + length) & 0xFF for i in range(length))
    assert keccak256_many([msg]) == [pycryptodome(msg)]


def test_limbs_round_trip():
    states = np.vstack([NASTY, random_states(3)])
    limbs = lanes_to_limbs(states)
    assert limbs.shape == (8, 100) and int(limbs.max()) < 1 << 16
    assert np.array_equal(limbs_to_lanes(limbs), states)
    assert limbs[1, :4].tolist() == [0xFFFF] * 4 and limbs[2, :4].tolist() == [0, 0, 0, 0x8000]


# ---- witness ------------------------------------------------------------------------------------

def test_vectorized_witness_equals_reference_rows():
    states = np.vstack([NASTY[:3], random_states(2, seed=4)])
    rows, outputs = group_witness(states)
    for i, s in enumerate(states):
        assert rows[i].tolist() == reference_rows(s), i
    assert np.array_equal(outputs, keccak_f(states))
    last = KeccakRow(rows[0, ROUNDS - 1])
    assert np.array_equal(limbs_to_lanes(last.out), outputs[0])
    assert np.array_equal(limbs_to_lanes(last.preimage), states[0])


def test_group_constraints_vanish_on_honest_rows_at_any_offset():
    offset = 5
    rows, _ = group_witness(random_states(2, seed=2))
    trace = rows.reshape(48, GROUP_WIDTH)[:32]
    wide = np.zeros((32, offset + GROUP_WIDTH + 2), dtype=np.uint64)
    wide[:, offset:offset + GROUP_WIDTH] = trace
    group = KeccakGroup(offset, "k: ")
    cur = [BaseVec(np.ascontiguousarray(wide[:, j])) for j in range(wide.shape[1])]
    nxt = [BaseVec(np.ascontiguousarray(np.roll(wide[:, j], -1))) for j in range(wide.shape[1])]
    cyclic = group.cyclic()
    for i, c in enumerate(group.constraints(cur, nxt)):
        bad = np.nonzero(c.v)[0]
        assert bad.size == 0 or (i not in cyclic and bad.tolist() == [31]), group.constraint_names()[i]
    assert group.constraint_names()[0].startswith("k: round flags rotate")
    assert list(group.preimage_columns)[0] == offset + PREIMAGE_OFFSET
    assert group.last_round_flag == offset + FLAGS_OFFSET + 23


def test_constraints_agree_on_columns_and_at_a_point():
    """The same constraint code on whole columns (prover) and on extension scalars (verifier), on
    random field values that satisfy nothing."""
    air = KeccakAir()
    rng = np.random.default_rng(11)
    cur_rows, nxt_rows = F.random_elements(rng, (2, 3, air.width))
    cols = [BaseVec(np.ascontiguousarray(cur_rows[:, j])) for j in range(air.width)]
    ncols = [BaseVec(np.ascontiguousarray(nxt_rows[:, j])) for j in range(air.width)]
    on_columns = np.stack([c.v for c in air.evaluate_transition(cols, ncols, None)])
    for r in range(3):
        at_point = air.evaluate_transition([Ext.from_base(int(v)) for v in cur_rows[r]],
                                           [Ext.from_base(int(v)) for v in nxt_rows[r]], None)
        assert [e.c for e in at_point] == [(int(v), 0, 0, 0, 0) for v in on_columns[:, r]]
    assert np.count_nonzero(on_columns) > 0.9 * on_columns.size


def test_declared_degrees_equal_symbolic_degrees():
    air = KeccakAir()
    main, aux = air.symbolic_degrees()
    assert main == air.transition_degrees() and len(main) == GROUP_CONSTRAINTS + 1
    assert aux == air.aux_transition_degrees()
    assert air.max_degree() == 3
    names = air.transition_names()
    assert len(names) == len(set(names))


# ---- honest proofs ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def honest():
    """4 permutations (rows 0–95), a whole padding permutation (96–119) and 8 more padding rows."""
    return keccak_trace(np.vstack([NASTY[1:2], random_states(3, seed=9)]))


def test_trace_shape_and_statement(honest):
    trace, st = honest
    assert trace.shape == (128, GROUP_WIDTH + 1)
    assert np.nonzero(trace[:, MULT])[0].tolist() == [23, 47, 71, 95]
    assert np.array_equal(st.outputs, keccak_f(st.inputs))


@pytest.mark.parametrize("k", [1, 5])
def test_batches_of_permutations_prove_and_verify(k):
    air = KeccakAir()
    trace, st = keccak_trace(random_states(k, seed=k))
    assert trace.shape[0] == 1 << (24 * k).bit_length()
    verify(air, prove(air, trace, st, OPTS).to_bytes(), st, min_security=0)


def test_empty_batches_prove_and_verify():
    for air, (trace, st) in [(KeccakAir(), keccak_trace(np.zeros((0, 25), dtype=np.uint64))),
                             (Keccak256Air(), keccak256_trace([]))]:
        assert trace.shape == (8, GROUP_WIDTH + 1) and not trace[:, MULT].any()
        verify(air, prove(air, trace, st, OPTS).to_bytes(), st, min_security=0)


def test_statements_refuse_values_that_are_not_lanes():
    with pytest.raises(ValueError):
        KeccakStatement([[1 << 64] + [0] * 24], [[0] * 25])
    with pytest.raises(ValueError):
        KeccakStatement.of([[-1] + [0] * 24])
    with pytest.raises(ValueError):
        KeccakStatement(np.zeros((2, 25), dtype=np.uint64), np.zeros((1, 25), dtype=np.uint64))
    assert int(KeccakStatement.of([[M64] * 25]).inputs[0, 0]) == M64


def test_default_options_keep_100_bits_with_the_bus(honest):
    air = KeccakAir()
    trace, st = honest
    verify(air, prove(air, trace, st).to_bytes(), st, min_security=100)


# ---- one mutation per constraint group ----------------------------------------------------------

PAD = 4  # the whole padding permutation of the fixture: rows 96 … 119
ZERO = np.zeros(25, dtype=np.uint64)


def _put(trace, rows, perm=PAD):
    bad = trace.copy()
    bad[24 * perm:24 * perm + 24, :GROUP_WIDTH] = np.array(rows, dtype=np.uint64)
    return bad


def _non_boolean_a_prime(trace):
    """a'[x][y][z] = 2 in round 0 of f(0): the parity sum moves by 2 and χ outputs 2 = 0b10, which
    the next round reads as a carry into the next bit — only booleanity notices.  Tries positions
    until every out limb stays below 2^16."""
    for x in range(5):
        for y in range(5):
            for z in range(64):
                def hook(r, c, cp, ap, x=x, y=y, z=z):
                    if r == 0:
                        ap[x][y][z] = 2
                try:
                    return _put(trace, reference_rows(ZERO, bits=hook))
                except ValueError:
                    continue
    raise AssertionError("no position found")


def _non_boolean_c(trace):
    """c = (1 − ω)/2 everywhere in round 0 of f(0), ω a cube root of unity: in ±1 form an XOR of
    three c's is ω³ = 1, so every c' stays 0 and only the limbs of a (free on round 0) move."""
    omega = pow(F.GENERATOR, (P - 1) // 3, P)
    v = (1 - omega) * pow(2, P - 2, P) % P

    def hook(r, c, cp, ap):
        if r == 0:
            for x in range(5):
                c[x][:] = [v] * 64
    return _put(trace, reference_rows(ZERO, bits=hook))


def _cp_and_a_prime_set(r, c, cp, ap):
    """c'[2][9] = 1 against c's XOR (0), with a'[2][0][9] = 1 so the parity still holds."""
    if r == 0:
        cp[2][9] = 1
        ap[2][0][9] = 1


def _a_prime_set(r, c, cp, ap):
    """One a' bit set: θ's output has odd column parity against c' = 0."""
    if r == 0:
        ap[1][3][40] = 1


def _chi00_flipped(r, bits):
    if r == 10:
        bits[3] = 1 - bits[3]


def _out_flipped(r, limbs):
    if r == 12:
        limbs[(2, 1)][0] ^= 0x10


def _mutations(trace):
    """(constraint group, mutated trace): each breaks what its group alone enforces, inside the
    padding permutation, recomputing everything downstream."""

    def preimage_moved(rows_from):
        bad = trace.copy()
        bad[24 * PAD + rows_from:24 * PAD + 24, PREIMAGE_OFFSET + 7] += 1
        return bad

    def input_moved():
        """Round 0's a (and the preimage with it) off by one: the bits no longer compose it."""
        bad = trace.copy()
        bad[24 * PAD, A_OFFSET + 9] += 1
        bad[24 * PAD:24 * PAD + 24, PREIMAGE_OFFSET + 9] += 1
        return bad

    other = ZERO.copy()
    other[3] = 1 << 40
    yield "round flags rotate", _put(trace, reference_rows(ZERO, flags={5: 9}))
    yield "preimage = a on round 0", preimage_moved(0)
    yield "preimage carried", preimage_moved(10)
    yield "next a = out", _put(trace, reference_rows(ZERO, inject={7: other}))
    yield "a' bit boolean", _non_boolean_a_prime(trace)
    yield "c bit boolean", _non_boolean_c(trace)
    yield "c' = c ⊕ c[x-1] ⊕ rot(c[x+1])", _put(trace, reference_rows(ZERO, bits=_cp_and_a_prime_set))
    yield "theta parity: Σ_y a' ≡ c'", _put(trace, reference_rows(ZERO, bits=_a_prime_set))
    yield "a = a' ⊕ c ⊕ c'", input_moved()
    yield "chi00 = χ lane (0,0)", _put(trace, reference_rows(ZERO, chi00=_chi00_flipped))
    yield "out = χ", _put(trace, reference_rows(ZERO, out=_out_flipped))
    yield "iota: out(0,0) = chi00 ⊕ RC", _put(trace, reference_rows(ZERO, rc={3: RC[3] ^ (1 << 5)}))


def test_mutations_cover_every_constraint_group(mutations):
    assert [g for g, *_ in CONSTRAINT_GROUPS] == list(mutations)


@pytest.fixture(scope="module")
def mutations(honest):
    return dict(_mutations(honest[0]))


@pytest.mark.parametrize("group", [g for g, *_ in CONSTRAINT_GROUPS])
def test_each_group_alone_catches_its_mutation_and_the_verifier_refuses(honest, mutations, group):
    air = KeccakAir()
    trace, st = honest
    bad = mutations[group]
    assert groups_failing(air, bad, st) == {group}
    refused(air, bad, st)


def test_first_row_must_be_round_zero(honest):
    """Drop row 0: every row is still a valid round and the pairs are still on the bus, but the
    trace starts at round 1 — only the row-0 assertions fail."""
    air = KeccakAir()
    trace, st = honest
    bad = np.vstack([trace[1:], trace[-1:]])
    bad[-1, :GROUP_WIDTH] = reference_rows(ZERO)[8]  # row 127 continues the last padding permutation
    bad[-1, MULT] = 0
    assert {v.kind for v in find_violations(air, bad, st, limit=0)} == {"assertion"}
    refused(air, bad, st)


def test_mult_only_on_the_last_round(honest):
    """Offering row 40 (round 16 of permutation 1) claims its intermediate state as an output."""
    air = KeccakAir()
    trace, st = honest
    bad = trace.copy()
    bad[40, MULT] = 1
    mid = limbs_to_lanes(KeccakRow(bad[40]).out)
    lie = KeccakStatement(np.vstack([st.inputs, st.inputs[1:2]]), np.vstack([st.outputs, mid[None]]))
    assert groups_failing(air, bad, lie) == {"mult = 0 off the last round"}
    refused(air, bad, lie)


def test_a_flipped_output_bit_claimed_publicly_is_refused(honest):
    air = KeccakAir()
    trace, st = honest
    bad = trace.copy()
    bad[47, OUT_OFFSET + 4 * 6 + 2] ^= 1 << 11          # permutation 1, lane 6, bit 43
    outputs = st.outputs.copy()
    outputs[1, 6] ^= np.uint64(1 << 43)
    lie = KeccakStatement(st.inputs, outputs)
    assert groups_failing(air, bad, lie) == {"out = χ"}
    refused(air, bad, lie)


@pytest.mark.parametrize("keep_flags", [False, True])
def test_reordered_rows_are_refused(honest, keep_flags):
    air = KeccakAir()
    trace, st = honest
    bad = trace.copy()
    bad[[30, 31]] = bad[[31, 30]]
    if keep_flags:
        bad[[30, 31], FLAGS_OFFSET:FLAGS_OFFSET + ROUNDS] = trace[[30, 31], FLAGS_OFFSET:FLAGS_OFFSET + ROUNDS]
    assert find_violations(air, bad, st)
    refused(air, bad, st)


# ---- the bus ------------------------------------------------------------------------------------

def _false_statements(st: KeccakStatement):
    out = st.outputs.copy()
    out[1, 0] ^= np.uint64(1)
    yield "wrong output", KeccakStatement(st.inputs, out)
    inp = st.inputs.copy()
    inp[0, 24] ^= np.uint64(1 << 63)
    yield "wrong input", KeccakStatement(inp, st.outputs)
    yield "dropped pair", KeccakStatement(st.inputs[:-1], st.outputs[:-1])
    yield "extra pair", KeccakStatement.of(np.vstack([st.inputs, random_states(1, seed=5)]))
    yield "outputs swapped", KeccakStatement(st.inputs, st.outputs[[1, 0, 2, 3]])


def test_false_statements_break_only_the_bus_and_are_refused(honest):
    air = KeccakAir()
    trace, st = honest
    for why, lie in _false_statements(st):
        assert find_violations(air, trace, lie) == [], why
        refused(air, trace, lie)


def test_forged_multiplicities_are_refused(honest):
    air = KeccakAir()
    trace, st = honest
    for row, m in [(119, 1), (23, 0), (47, 2)]:
        bad = trace.copy()
        bad[row, MULT] = m
        assert find_violations(air, bad, st) == []
        refused(air, bad, st)


def test_changed_public_inputs_fail(honest):
    air = KeccakAir()
    trace, st = honest
    proof = prove(air, trace, st, OPTS).to_bytes()
    verify(air, proof, st, min_security=0)
    for _, lie in _false_statements(st):
        with pytest.raises(VerificationError):
            verify(air, proof, lie, min_security=0)
    with pytest.raises(VerificationError):
        verify(Keccak256Air(), proof, st, min_security=0)   # a proof for one AIR never verifies another


# ---- keccak-256 of messages ---------------------------------------------------------------------

MESSAGES = [b"", b"abc", bytes(range(135)), bytes(range(136)), bytes(range(137)), b"\x80" * 300]


@pytest.fixture(scope="module")
def sponge():
    trace, st = keccak256_trace(MESSAGES)
    air = Keccak256Air()
    return air, trace, st, prove(air, trace, st, OPTS).to_bytes()


def test_statement_digests_equal_pycryptodome():
    st = keccak256_statement(MESSAGES)
    assert st.digests == [pycryptodome(m) for m in MESSAGES]
    assert st.states.shape == (1 + 1 + 1 + 2 + 2 + 3, 25)
    # the derived inputs: first block of "abc" alone, capacity zero; 137 bytes chain two blocks
    assert int(st.inputs[1, 0]) == 0x01636261 and not st.inputs[1, 17:].any()
    assert np.array_equal(st.inputs[6, 17:], st.states[5, 17:])
    assert np.array_equal(keccak_f(st.inputs), st.states)


def test_messages_prove_and_verify(sponge):
    air, trace, st, proof = sponge
    assert trace.shape[0] == 256
    verify(air, proof, st, min_security=0)


def test_changed_messages_or_digests_fail(sponge):
    air, trace, st, proof = sponge
    msgs = list(st.messages)
    msgs[2] = b"\x01" + msgs[2][1:]
    states = st.states.copy()
    states[4, 2] ^= np.uint64(1 << 9)           # the digest of the 136-byte message
    lies = [
        Keccak256Statement(tuple(msgs), st.states),
        Keccak256Statement(st.messages, states),
        Keccak256Statement(tuple(reversed(st.messages)), st.states[::-1]),
        keccak256_statement(MESSAGES[:-1] + [b"\x80" * 299]),
    ]
    assert lies[1].digests[3] != st.digests[3]
    for lie in lies:
        with pytest.raises(VerificationError):
            verify(air, proof, lie, min_security=0)


def test_a_false_digest_cannot_be_proven(sponge):
    """A prover that computes the last block of one message wrongly: the chained states still
    derive the inputs, but the (input, state) pair on the bus is no permutation."""
    air, trace, st, _ = sponge
    states = st.states.copy()
    states[0, 0] ^= np.uint64(1)
    lie = Keccak256Statement(st.messages, states)
    assert lie.digests[0] != pycryptodome(b"")
    refused(air, trace, lie)


def test_statement_needs_one_state_per_block():
    st = keccak256_statement([b"x" * 136])
    with pytest.raises(ValueError):
        Keccak256Statement(st.messages, st.states[:1])
