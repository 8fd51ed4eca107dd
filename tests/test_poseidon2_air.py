"""The Poseidon2 column group and its standalone AIR.

Layout and witness: the columns tile the group exactly, the vectorized witness equals a plain-int
reference row builder, the outputs equal :func:`circuits.poseidon2.permute`.  Soundness: every one
of the 282 group constraints has a mutation that it alone catches (a tampered padding row, so the
bus is untouched), a sample of them is also refused by the verifier through a cheating proof, and
false statements (a wrong output, a dropped or extra pair, forged multiplicities, tampered
auxiliary columns) are refused.  Declared degrees equal the symbolic ones.
"""

from __future__ import annotations

import numpy as np
import pytest

from circuits import field as F
from circuits.air import Air, Assertion, find_violations
from circuits.poseidon2 import EXTERNAL_MATRIX, FULL_ROUND, INTERNAL_MATRIX, RC, ROUNDS, permute
from circuits.poseidon2_air import (
    GROUP_CONSTRAINTS,
    GROUP_WIDTH,
    INPUT_WIDTH,
    MULT,
    OUTPUT_OFFSET,
    ROUND_OFFSETS,
    Poseidon2Air,
    Poseidon2Group,
    Poseidon2Statement,
    cube_columns,
    external_linear,
    group_witness,
    internal_linear,
    post_columns,
    poseidon2_trace,
    sbox_column,
)
from circuits.values import BaseVec
from prover.stark import prove
from verifier.errors import VerificationError
from verifier.proof import ProofOptions
from verifier.stark import verify

P = F.P
OPTS = ProofOptions(blowup=8, num_queries=20, grinding_bits=2, fri_remainder_log=2)
NASTY = [[0] * 16, [P - 1] * 16, list(range(16)), [1] + [0] * 15, [2**30] * 16]


def _matvec(m, s):
    return [sum(a * b for a, b in zip(row, s)) % P for row in m]


def reference_row(state, tamper=None) -> list[int]:
    """One group row from plain ints, round by round; ``tamper(col, value)`` may replace a column's
    value, and later rounds are computed from the replaced value."""
    tamper = tamper or (lambda col, value: value)
    row = [0] * GROUP_WIDTH
    row[:16] = [int(x) for x in state]
    s = _matvec(EXTERNAL_MATRIX, row[:16])
    for r in range(ROUNDS):
        o = ROUND_OFFSETS[r]
        if FULL_ROUND[r]:
            x = [(s[j] + int(RC[r][j])) % P for j in range(16)]
            for j in range(16):
                row[o + j] = tamper(o + j, pow(x[j], 3, P))
            y = [x[j] * row[o + j] * row[o + j] % P for j in range(16)]
            post = _matvec(EXTERNAL_MATRIX, y)
            for j in range(16):
                row[o + 16 + j] = tamper(o + 16 + j, post[j])
            s = row[o + 16:o + 32]
        else:
            x0 = (s[0] + int(RC[r][0])) % P
            row[o] = tamper(o, pow(x0, 3, P))
            row[o + 1] = tamper(o + 1, x0 * row[o] * row[o] % P)
            s = _matvec(INTERNAL_MATRIX, [row[o + 1]] + s[1:])
    return row


def random_states(k: int, seed: int = 0) -> np.ndarray:
    return F.random_elements(np.random.default_rng(seed), (k, 16))


def only_fails(air, trace, pi, names):
    got = {v.name for v in find_violations(air, trace, pi, limit=0)}
    assert got == set(names), got


def refused(air, trace, pi, verify_pi=None):
    proof = prove(air, trace, pi, OPTS, check=False)
    with pytest.raises(VerificationError):
        verify(air, proof.to_bytes(), pi if verify_pi is None else verify_pi, min_security=0)


# ---- layout -------------------------------------------------------------------------------------

def test_layout_tiles_the_group_and_matches_the_constraint_order():
    assert GROUP_WIDTH == 298 and GROUP_CONSTRAINTS == 282
    cols = list(range(INPUT_WIDTH))
    for r in range(ROUNDS):
        cols += list(cube_columns(r))
        cols += list(post_columns(r)) if FULL_ROUND[r] else [sbox_column(r)]
    assert cols == list(range(GROUP_WIDTH))
    assert list(post_columns(ROUNDS - 1)) == list(Poseidon2Group().output_columns)
    # constraint i guards column INPUT_WIDTH + i
    names = Poseidon2Group().constraint_names()
    assert len(names) == len(set(names)) == GROUP_CONSTRAINTS
    assert names[0].startswith("round 0 cube[0]") and names[16].startswith("round 0 post[0]")
    assert names[ROUND_OFFSETS[4] - INPUT_WIDTH] == "round 4 cube = x0^3"
    with pytest.raises(ValueError):
        post_columns(4)
    with pytest.raises(ValueError):
        sbox_column(0)


def test_linear_layers_equal_the_matrices():
    rng = np.random.default_rng(3)
    for s in NASTY + [list(map(int, rng.integers(0, P, 16)))]:
        assert [x % P for x in external_linear(s)] == _matvec(EXTERNAL_MATRIX, s)
        assert [x % P for x in internal_linear(s)] == _matvec(INTERNAL_MATRIX, s)


# ---- witness ------------------------------------------------------------------------------------

def test_vectorized_witness_equals_reference_rows():
    states = np.vstack([np.array(NASTY, dtype=np.uint64), random_states(11)])
    rows = group_witness(states)
    for i, s in enumerate(states):
        assert rows[i].tolist() == reference_row(s)
        assert rows[i, OUTPUT_OFFSET:].tolist() == permute(s.tolist())


def test_group_constraints_vanish_on_honest_rows_at_any_offset():
    offset = 7
    states = random_states(16, seed=1)
    wide = np.zeros((16, offset + GROUP_WIDTH + 3), dtype=np.uint64)
    wide[:, offset:offset + GROUP_WIDTH] = group_witness(states)
    group = Poseidon2Group(offset, "p: ")
    cur = [BaseVec(np.ascontiguousarray(wide[:, j])) for j in range(wide.shape[1])]
    for c in group.constraints(cur):
        assert not np.any(c.v)
    assert list(group.input_columns) == list(range(offset, offset + 16))
    assert len(group.inputs(wide[0])) == 16 and group.outputs(wide[0])[0] == wide[0, offset + OUTPUT_OFFSET]


def test_declared_degrees_equal_symbolic_degrees():
    air = Poseidon2Air()
    main, aux = air.symbolic_degrees()
    assert main == air.transition_degrees() == [3] * GROUP_CONSTRAINTS
    assert aux == air.aux_transition_degrees()


# ---- honest proofs ------------------------------------------------------------------------------

@pytest.mark.parametrize("k", [1, 7, 20])
def test_batches_of_permutations_prove_and_verify(k):
    air = Poseidon2Air()
    trace, st = poseidon2_trace(random_states(k, seed=k))
    assert trace.shape[0] > k and st.outputs.tolist() == [permute(s) for s in st.inputs.tolist()]
    verify(air, prove(air, trace, st, OPTS).to_bytes(), st, min_security=0)


def test_default_options_keep_100_bits_with_the_bus():
    air = Poseidon2Air()
    trace, st = poseidon2_trace(np.array(NASTY, dtype=np.uint64))
    verify(air, prove(air, trace, st).to_bytes(), st, min_security=100)


# ---- one mutation per constraint ----------------------------------------------------------------

def _mutation(i: int):
    """Constraint i guards column 16 + i: negate a cube (x·cube² is unchanged, so only cube = x^3
    breaks) or add 1 to a post/sbox value and recompute every later round from it."""
    col = INPUT_WIDTH + i
    r = max(q for q in range(ROUNDS) if ROUND_OFFSETS[q] <= col)
    is_cube = col in cube_columns(r)
    return col, (lambda c, v: (P - v) % P if c == col else v) if is_cube else \
        (lambda c, v: (v + 1) % P if c == col else v)


@pytest.fixture(scope="module")
def honest():
    trace, st = poseidon2_trace(random_states(5, seed=9))  # rows 5 … 7 are padding (mult = 0)
    return trace, st


@pytest.mark.slow
def test_every_group_constraint_has_a_mutation_it_alone_catches(honest):
    air = Poseidon2Air()
    trace, st = honest
    names = air.transition_names()
    state = random_states(1, seed=99)[0]
    for i in range(GROUP_CONSTRAINTS):
        _, tamper = _mutation(i)
        bad = trace.copy()
        bad[6, :GROUP_WIDTH] = reference_row(state, tamper)  # a padding row: the bus never counts it
        only_fails(air, bad, st, [names[i]])


@pytest.mark.parametrize("i", [0, 15, 16, 31, 32 * 3 + 20, ROUND_OFFSETS[4] - 16, ROUND_OFFSETS[9] - 15,
                               ROUND_OFFSETS[17] - 17, GROUP_CONSTRAINTS - 17, GROUP_CONSTRAINTS - 1])
def test_cheating_proofs_of_broken_rows_are_refused(honest, i):
    air = Poseidon2Air()
    trace, st = honest
    _, tamper = _mutation(i)
    bad = trace.copy()
    bad[6, :GROUP_WIDTH] = reference_row(random_states(1, seed=99)[0], tamper)
    refused(air, bad, st)


def test_a_tampered_output_claimed_publicly_is_refused(honest):
    """The row holding a public pair computes a different output: only its last post breaks."""
    air = Poseidon2Air()
    trace, st = honest
    bad = trace.copy()
    bad[2, OUTPUT_OFFSET + 3] = (bad[2, OUTPUT_OFFSET + 3] + 1) % P
    outputs = st.outputs.copy()
    outputs[2, 3] = bad[2, OUTPUT_OFFSET + 3]
    lie = Poseidon2Statement(st.inputs, outputs)
    only_fails(air, bad, lie, ["round 20 post[3] = (M_E·x·cube²)[3]"])
    refused(air, bad, lie)


# ---- the bus ------------------------------------------------------------------------------------

def _false_statements(st: Poseidon2Statement):
    out = st.outputs.copy()
    out[1, 0] = (out[1, 0] + 1) % P
    yield "wrong output", Poseidon2Statement(st.inputs, out)
    inp = st.inputs.copy()
    inp[0, 15] = (inp[0, 15] + 1) % P
    yield "wrong input", Poseidon2Statement(inp, st.outputs)
    yield "dropped pair", Poseidon2Statement(st.inputs[:-1], st.outputs[:-1])
    extra = random_states(1, seed=5)
    yield "extra pair", Poseidon2Statement.of(np.vstack([st.inputs, extra]))
    swapped = st.outputs[[1, 0, 2, 3, 4]]
    yield "outputs swapped", Poseidon2Statement(st.inputs, swapped)


def test_false_statements_break_only_the_bus_and_are_refused(honest):
    air = Poseidon2Air()
    trace, st = honest
    for why, lie in _false_statements(st):
        # every main constraint holds: only the LogUp sum can catch the lie
        assert find_violations(air, trace, lie) == [], why
        refused(air, trace, lie)


def test_forged_multiplicities_are_refused(honest):
    air = Poseidon2Air()
    trace, st = honest
    for row, m in [(6, 1), (1, 0), (1, 2)]:
        bad = trace.copy()
        bad[row, MULT] = m
        assert find_violations(air, bad, st) == []
        refused(air, bad, st)


def test_tampered_aux_columns_are_refused(honest, monkeypatch):
    air = Poseidon2Air()
    trace, st = honest
    build = air.build_aux_trace
    for col, row in [(0, 3), (0, 7), (1, 4), (1, 7)]:
        def tampered(main, ch, pi, col=col, row=row):
            aux = build(main, ch, pi)
            aux[row, col, 0] = (aux[row, col, 0] + 1) % P
            return aux
        monkeypatch.setattr(air, "build_aux_trace", tampered)
        refused(air, trace, st)


def test_changed_public_inputs_fail(honest):
    air = Poseidon2Air()
    trace, st = honest
    proof = prove(air, trace, st, OPTS).to_bytes()
    verify(air, proof, st, min_security=0)
    for _, lie in _false_statements(st):
        with pytest.raises(VerificationError):
            verify(air, proof, lie, min_security=0)


# ---- embedding --------------------------------------------------------------------------------

class TwoRoundsAir(Air):
    """Two groups in one row, the second permuting the first's output: permute(permute(x))."""

    name = "test-two-permutations"
    width = 2 * GROUP_WIDTH

    def __init__(self):
        self.a, self.b = Poseidon2Group(0, "a: "), Poseidon2Group(GROUP_WIDTH, "b: ")

    def public_inputs_bytes(self, pi) -> bytes:
        return np.array(pi, dtype="<u4").tobytes()

    def transition_names(self):
        return self.a.constraint_names() + self.b.constraint_names() + [f"b.in[{j}] = a.out[{j}]" for j in range(16)]

    def transition_degrees(self):
        return self.a.constraint_degrees() + self.b.constraint_degrees() + [1] * 16

    def cyclic_transitions(self):
        return frozenset(range(len(self.transition_degrees())))

    def evaluate_transition(self, cur, nxt, pi):
        link = [i - o for i, o in zip(self.b.inputs(cur), self.a.outputs(cur))]
        return self.a.constraints(cur) + self.b.constraints(cur) + link

    def assertions(self, pi, n):
        x, y = pi
        return ([Assertion(c, 0, v, f"in[{j}]") for j, (c, v) in enumerate(zip(self.a.input_columns, x))]
                + [Assertion(c, 0, v, f"out[{j}]") for j, (c, v) in enumerate(zip(self.b.output_columns, y))])


def test_groups_embed_side_by_side():
    air = TwoRoundsAir()
    x = random_states(8, seed=4)
    first = group_witness(x)
    trace = np.hstack([first, group_witness(first[:, OUTPUT_OFFSET:])])
    pi = (x[0].tolist(), permute(permute(x[0].tolist())))
    assert air.symbolic_degrees()[0] == air.transition_degrees()
    verify(air, prove(air, trace, pi, OPTS).to_bytes(), pi, min_security=0)
    wrong = (pi[0], [(pi[1][0] + 1) % P] + pi[1][1:])
    refused(air, trace, wrong)
