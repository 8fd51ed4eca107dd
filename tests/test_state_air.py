"""The state circuit: ordered reads and writes take the state tree from R_prev to R_new.

Honest traces come from a real :class:`~l2.state.tree.StateTree` replaying random access sequences
(inserts into empty slots and next to another leaf, updates, deletes that keep the slot — with the
sibling's right child present or empty — and deletes that collapse, reads of present and absent keys,
paths of depth 0, paths crossing key elements); every one satisfies the AIR, including its bus and
byte lookups, and ends at the tree's own root.  Attacks the statement is about are refused by the
verifier: a wrong new root, a read answered with a value not in the tree, a path for another key, a
tampered Poseidon2 row, a changed sibling, a split at the wrong depth, a delete that does not
collapse (or collapses too little, or opens a leaf as an inner node), forged bytes and bus columns,
and every changed public input.

Every constraint outside the Poseidon2 groups has a mutation that it alone catches (checked by
name), except the few listed in ``NOT_ISOLATED`` with the reason; one mutation per constraint family
is also refused by the verifier (slow).  The groups' own constraints are tested one by one in
``test_poseidon2_air``; here their cube and output constraints are checked in place.

Bus mode (:class:`~circuits.state_air.StateBusAir`, the access list private): its bus claim is the
standalone public sum of the same accesses, a claim that does not close the running sum is refused,
the number of blocks and their numbering are pinned, its public inputs are domain-separated, and
alone it proves only against the verifier's sum over the right access list.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from circuits import field as F
from circuits import state_layout as L
from circuits.air import find_violations
from circuits.extension import Ext
from circuits.poseidon2 import fold_path
from circuits.poseidon2_air import GROUP_WIDTH, OUTPUT_OFFSET, ROUND_OFFSETS, group_witness
from circuits.state_air import AccessRecord, StateAir, StateBusAir, StateBusInputs, StateInputs
from circuits.values import BaseVec
from l2.state.keys import key_path, storage_key
from l2.state.tree import ZERO_DIGEST, MerkleProof, StateTree
from l2.state.witness import Access, AccessStep, build_trace, replay, state_trace
from prover.stark import prove
from verifier.errors import VerificationError
from verifier.proof import ProofOptions
from verifier.stark import verify

P = F.P
OPTS = ProofOptions(blowup=8, num_queries=20, grinding_bits=2, fri_remainder_log=2)
AIR = StateAir()


def key(i: int, contract: int = 5):
    return storage_key(bytes([contract]) * 20, i)


def digest(row, cols) -> tuple[int, ...]:
    return tuple(int(row[c]) for c in cols)


def kind_of(s: AccessStep) -> str:
    """What the tree did on this access."""
    da, db = s.old_proof.depth, s.new_proof.depth
    if not s.is_write:
        if s.old_value:
            return "read present"
        return "read absent (empty)" if s.old_proof.leaf_key is None else "read absent (other leaf)"
    if db > da:
        return "insert (split)"
    if da > db:
        return "delete (collapse)"
    if s.inner_opening is not None:
        return "delete (slot stays, right child empty)" if s.right_opening is None else "delete (slot stays)"
    if s.old_value and s.new_value:
        return "update"
    if not s.old_value and s.new_value:
        return "insert (empty slot)"
    return "write 0 to an absent key"


ALL_KINDS = {"read present", "read absent (empty)", "read absent (other leaf)", "insert (split)",
             "delete (collapse)", "delete (slot stays)", "delete (slot stays, right child empty)", "update",
             "insert (empty slot)", "write 0 to an absent key"}


def random_accesses(rng: random.Random, keys: list, count: int) -> list[Access]:
    out = []
    for _ in range(count):
        k = rng.choice(keys)
        r = rng.random()
        if r < 0.3:
            out.append(Access.read(k))
        elif r < 0.55:
            out.append(Access.write(k, 0))
        else:
            out.append(Access.write(k, rng.choice([1, 2**256 - 1, 2**128, rng.randrange(2**256)])))
    return out


def applied(tree: StateTree, accesses) -> StateTree:
    out = tree.copy()
    for a in accesses:
        if a.is_write:
            out.set(a.key, a.value)
    return out


def challenges(seed: int = 0) -> list[Ext]:
    rng = random.Random(seed)
    return [Ext(tuple(rng.randrange(P) for _ in range(5))) for _ in range(AIR.num_challenges)]


def violations(trace, pi, with_aux: bool = False) -> set[str]:
    if with_aux:
        ch = challenges()
        aux = AIR.build_aux_trace(trace, ch, pi)
        return {v.name for v in find_violations(AIR, trace, pi, aux, ch, limit=0)}
    return {v.name for v in find_violations(AIR, trace, pi, limit=0)}


def refused(trace, pi):
    proof = prove(AIR, trace, pi, OPTS, check=False)
    with pytest.raises(VerificationError):
        verify(AIR, proof.to_bytes(), pi, min_security=0)


def bump(x, by: int = 1) -> int:
    return (int(x) + by) % P


def regroup(t: np.ndarray, row: int, group, state) -> None:
    """Recompute a group's columns on ``row`` for a new input state."""
    t[row, group.offset:group.offset + GROUP_WIDTH] = group_witness(np.asarray(state, dtype=np.uint64)[None])[0]


def group_in(t, row, group) -> np.ndarray:
    return t[row, group.offset:group.offset + 16].copy()


def group_out(t, row, group) -> np.ndarray:
    return t[row, group.offset + OUTPUT_OFFSET:group.offset + OUTPUT_OFFSET + 16].copy()


def fold(k, terminal, siblings) -> tuple[int, ...]:
    path = key_path(k)
    bits = np.array([(path >> d) & 1 for d in range(len(siblings))], dtype=bool)
    return fold_path(terminal, np.array(siblings, dtype=np.uint64).reshape(-1, 8), bits)


def blocks(trace) -> list[tuple[int, int]]:
    """(first row, H0 row) of every block."""
    starts = np.nonzero(trace[:, L.START])[0]
    h0 = np.nonzero(trace[:, L.H0])[0]
    return list(zip(starts.tolist(), h0.tolist()))


# ---------------------------------------------------------------------------------------------
# Fixtures: a tree and an access list that does everything the tree can do
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tree() -> StateTree:
    rng = random.Random(11)
    return StateTree.from_items([(key(i), rng.randrange(1, 2**256)) for i in range(48)])


def _pick(tree: StateTree, kind: str, candidates, value: int | None) -> Access:
    for k in candidates:
        acc = Access(k, value)
        if kind_of(replay(tree.copy(), [acc])[0]) == kind:
            return acc
    raise LookupError(kind)


@pytest.fixture(scope="module")
def scenario(tree):
    """(tree, accesses, steps): one access of every kind, each chosen on the tree as it is then."""
    present = [key(i) for i in range(48)]
    absent = [key(i) for i in range(100, 400)]
    plan = [("read present", present, None), ("read absent (empty)", absent, None),
            ("read absent (other leaf)", absent, None), ("update", present, 7),
            ("insert (empty slot)", absent, 2**256 - 1), ("insert (split)", absent, 2**200 + 5),
            ("delete (slot stays)", present, 0), ("delete (slot stays, right child empty)", present, 0),
            ("delete (collapse)", present, 0), ("write 0 to an absent key", absent, 0),
            ("read present", present, None)]
    work = tree.copy()
    accesses = []
    for kind, cands, value in plan:
        acc = _pick(work, kind, cands, value)
        accesses.append(acc)
        replay(work, [acc])
    steps = replay(tree.copy(), accesses)
    assert {kind_of(s) for s in steps} == ALL_KINDS
    return tree, accesses, steps


@pytest.fixture(scope="module")
def honest(scenario):
    tree, accesses, _ = scenario
    trace, pi = state_trace(tree, accesses)
    return trace, pi


# ---------------------------------------------------------------------------------------------
# Shape of the AIR
# ---------------------------------------------------------------------------------------------

def test_declared_degrees_equal_symbolic_degrees():
    main, aux = AIR.symbolic_degrees()
    assert main == AIR.transition_degrees()
    assert aux == AIR.aux_transition_degrees()
    assert max(main + aux) == 3
    assert len(set(AIR.transition_names())) == len(main)
    assert len(set(AIR.aux_transition_names())) == len(aux)


def test_layout_columns_are_disjoint():
    cols = [*L.GROUP_A.columns, *L.GROUP_B.columns, *L.SCRATCH, *L.KINDS, L.START, L.FIRST, *L.ROOT,
            *L.NEW_ROOT, L.IDX, *L.KEY, *L.OTHER_KEY, *L.OLD_LIMBS, *L.NEW_LIMBS, L.IS_WRITE, *L.FLAGS,
            *L.T_OLD, *L.T_NEW, *L.BOTTOM_SIB, L.INV_OLD, L.INV_NEW, L.RZ, L.DZ, *L.KB, *L.KPB, *L.KB_H,
            *L.KPB_H, L.CTR, L.CTR_INV, L.RELOAD, *L.WIN_K, *L.WIN_KP, *L.NZ_W, L.NZ_SUM, *L.BYTES,
            L.TAB, L.TAB_MULT]
    assert sorted(cols) == list(range(L.WIDTH))


# ---------------------------------------------------------------------------------------------
# Honest traces: the circuit computes what the tree computes
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(6))
def test_random_access_sequences_satisfy_the_air_and_reach_the_tree_root(seed):
    rng = random.Random(seed)
    size = [0, 1, 2, 5, 30, 200][seed]
    tree = StateTree.from_items([(key(i), rng.randrange(1, 2**256)) for i in range(size)])
    accesses = random_accesses(rng, [key(i) for i in range(size + 25)], 40)
    trace, pi = state_trace(tree, accesses)
    final = applied(tree, accesses)
    assert pi.prev_root == tree.root and pi.new_root == final.root
    assert digest(trace[-1], L.ROOT) == final.root             # the circuit's own root register
    assert violations(trace, pi, with_aux=True) == set()
    # the bus carries the accesses in order, with the values the tree returned
    work = tree.copy()
    for rec, acc in zip(pi.accesses, accesses):
        assert rec.key == acc.key and rec.old_value == work.get(acc.key)
        if acc.is_write:
            work.set(acc.key, acc.value)
        assert rec.new_value == work.get(acc.key)


def test_every_access_kind_occurs_in_random_sequences():
    """The random sequences above are not all easy cases: from an empty tree they hit depth 0."""
    rng = random.Random(3)
    seen, seen_root = set(), set()
    for size, extra in ((0, 3), (1, 2), (2, 2), (3, 25), (40, 25)):
        tree = StateTree.from_items([(key(i), i + 1) for i in range(size)])
        for s in replay(tree.copy(), random_accesses(rng, [key(i) for i in range(size + extra)], 80)):
            seen.add(kind_of(s))
            if min(s.old_proof.depth, s.new_proof.depth) == 0:
                seen_root.add(kind_of(s))
    assert seen == ALL_KINDS
    assert {"insert (split)", "delete (collapse)", "insert (empty slot)"} <= seen_root


def test_honest_proof_of_every_access_kind_verifies(scenario, honest):
    tree, accesses, _ = scenario
    trace, pi = honest
    assert pi.new_root == applied(tree, accesses).root
    assert digest(trace[-1], L.ROOT) == pi.new_root
    verify(AIR, prove(AIR, trace, pi, OPTS).to_bytes(), pi, min_security=0)


def test_proof_from_the_empty_tree_through_depth_zero_paths():
    """The tree of one key is its leaf: inserts, splits and collapses at the root, delete to empty."""
    a, b = key(1), key(2)
    accesses = [Access.read(a), Access.write(a, 5), Access.read(a), Access.write(b, 6), Access.read(b),
                Access.write(b, 0), Access.write(a, 0), Access.read(b), Access.write(a, 9)]
    tree = StateTree()
    trace, pi = state_trace(tree, accesses)
    assert pi.prev_root == ZERO_DIGEST and pi.new_root == applied(tree, accesses).root
    steps = replay(tree.copy(), accesses)
    assert [s.old_proof.depth == 0 for s in steps].count(True) >= 6
    verify(AIR, prove(AIR, trace, pi, OPTS).to_bytes(), pi, min_security=0)


def _deep_keys():
    # raw keys sharing whole elements: paths of 33, 63 and 218 levels, element values at p − 1
    return [(5, 1, 0, 0, 0, 0, 0, 0), (5, 3, 0, 0, 0, 0, 0, 0), (5, 1, 7, 0, 0, 0, 0, 1),
            (5, 1, 7, 0, 0, 0, 0, 2), (P - 1,) * 8, (P - 1,) * 7 + (P - 2,), (0,) * 8, (2**27 - 1,) * 8]


def test_paths_crossing_key_elements_satisfy_the_air():
    keys = _deep_keys()
    tree = StateTree.from_items([(keys[0], 9), (keys[6], 4)])
    accesses = ([Access.write(k, i + 1) for i, k in enumerate(keys)] + [Access.read(k) for k in keys]
                + [Access.write(k, 0) for k in keys[::-1]])
    trace, pi = state_trace(tree, accesses)
    depths = {max(s.old_proof.depth, s.new_proof.depth) for s in replay(tree.copy(), accesses)}
    assert max(depths) > 6 * 31 and any(31 < d < 62 for d in depths)
    assert pi.new_root == applied(tree, accesses).root
    assert violations(trace, pi, with_aux=True) == set()


@pytest.mark.slow
def test_proof_with_paths_crossing_key_elements_verifies():
    keys = _deep_keys()[:4]
    tree = StateTree.from_items([(keys[0], 9)])
    accesses = [Access.write(k, 3) for k in keys[1:]] + [Access.write(keys[0], 0)]
    trace, pi = state_trace(tree, accesses)
    verify(AIR, prove(AIR, trace, pi, OPTS).to_bytes(), pi, min_security=0)


def test_witness_refuses_inconsistent_input(tree):
    with pytest.raises(ValueError):
        state_trace(tree, [])
    with pytest.raises(ValueError):
        AccessRecord(key(1), 1, 2, False)   # a read cannot change the value
    with pytest.raises(ValueError):
        StateInputs(tree.root, tree.root, ())


# ---------------------------------------------------------------------------------------------
# Attacks
# ---------------------------------------------------------------------------------------------

def _forge(steps: list[AccessStep], i: int, **changes) -> list[AccessStep]:
    """Replace step i (dataclass fields), recomputing its roots from its proofs."""
    s = steps[i]
    fields = {f: getattr(s, f) for f in s.__dataclass_fields__}
    fields.update(changes)
    new = AccessStep(**fields)
    old_root = fold(new.key, new.old_proof.terminal_digest(), new.old_proof.siblings)
    new_root = fold(new.key, new.new_proof.terminal_digest(), new.new_proof.siblings)
    new = AccessStep(**{**fields, "old_root": old_root, "new_root": new_root})
    return [*steps[:i], new, *steps[i + 1:]]


def _inputs(prev_root, steps) -> StateInputs:
    return StateInputs(prev_root, steps[-1].new_root, [s.record for s in steps])


def test_a_changed_new_root_is_refused(honest):
    trace, pi = honest
    proof = prove(AIR, trace, pi, OPTS).to_bytes()
    for j in (0, 7):
        for bit in (0, 30):
            lie = StateInputs(pi.prev_root, pi.new_root[:j] + (pi.new_root[j] ^ (1 << bit),) + pi.new_root[j + 1:],
                              pi.accesses)
            with pytest.raises(VerificationError):
                verify(AIR, proof, lie, min_security=0)
    # and a trace built for the changed root fails exactly the final-root assertion
    lie = StateInputs(pi.prev_root, (pi.new_root[0] ^ 1,) + pi.new_root[1:], pi.accesses)
    assert violations(trace, lie) == {"R[0] ends at new_root"}
    refused(trace, lie)


def test_a_read_answered_with_a_value_not_in_the_tree_is_refused(scenario):
    tree, _, steps = scenario
    i = max(j for j, s in enumerate(steps) if kind_of(s) == "read present")   # not the first block
    s = steps[i]
    for lie_value in (s.old_value + 1, 0):
        leaf = MerkleProof(s.old_proof.siblings, s.key, lie_value) if lie_value else \
            MerkleProof(s.old_proof.siblings, None, 0)
        forged = _forge(steps, i, old_value=lie_value, new_value=lie_value, old_proof=leaf, new_proof=leaf)
        # the rows hash the lie consistently; only the root register sees another tree
        trace = build_trace(forged, tree.root)
        pi = StateInputs(tree.root, steps[-1].new_root, [f.record for f in forged])
        names = violations(trace, pi)
        assert names and all(nm.startswith(("R'[", "R[")) for nm in names), names
        refused(trace, pi)


def _absent_read_block(trace, steps, kind: str):
    i = next(j for j, s in enumerate(steps) if kind_of(s) == kind)
    return i, blocks(trace)[i]


def test_a_path_for_another_key_is_refused(scenario, honest):
    """Claiming a present key K absent with the path of another key K3 that ends at an empty slot."""
    tree, _, steps = scenario
    trace, pi = honest
    i, (first, h0) = _absent_read_block(trace, steps, "read absent (empty)")
    present = steps[0].key
    assert tree.get(present) != 0
    rows = range(first, h0 + L.HASH_ROWS)
    lie_pi = StateInputs(pi.prev_root, pi.new_root,
                         [*pi.accesses[:i], AccessRecord(present, 0, 0, False), *pi.accesses[i + 1:]])
    t = trace.copy()
    t[np.ix_(rows, L.KEY)] = present
    h2 = h0 + 2
    state = group_in(t, h2, L.GROUP_A)
    state[:8] = present
    regroup(t, h2, L.GROUP_A, state)
    h3_in = group_in(t, h2 + 1, L.GROUP_A)
    h3_in[:] = (group_out(t, h2, L.GROUP_A) + np.concatenate([t[h2, list(L.VD_O)], np.zeros(8, np.uint64)])) % P
    regroup(t, h2 + 1, L.GROUP_A, h3_in)
    h4_in = h3_in.copy()
    h4_in[:8] = (h4_in[:8] + t[h2, list(L.VD_N)] + P - t[h2, list(L.VD_O)]) % P
    regroup(t, h2 + 2, L.GROUP_A, h4_in)
    names = violations(t, lie_pi)
    assert names == {f"start: K window[{j}] = K[{j}]" for j in range(8) if present[j] != steps[i].key[j]}
    refused(t, lie_pi)
    # the window follows the new key too: the bit register no longer decomposes it
    t[np.ix_(rows, L.WIN_K)] = present
    names = violations(t, lie_pi)
    assert names == {"reload: Σ 2^i·K bit[i] = window[0]"}
    refused(t, lie_pi)


def test_a_tampered_poseidon2_row_is_refused(honest):
    trace, pi = honest
    first, _ = blocks(trace)[0]
    for group, tag in ((L.GROUP_A, "A: "), (L.GROUP_B, "B: ")):
        t = trace.copy()
        col = group.offset + ROUND_OFFSETS[2] + 3
        t[first + 1, col] = (P - int(t[first + 1, col])) % P   # cube → −cube: x·cube² is unchanged
        assert violations(t, pi) == {f"{tag}round 2 cube[3] = x^3"}
        refused(t, pi)


def test_a_changed_sibling_is_refused(tree):
    k = next(key(i) for i in range(48) if tree.depth_of(key(i)) >= 4)
    trace, pi = state_trace(tree, [Access.write(k, 7)])
    first, h0 = blocks(trace)[0]
    row = first + 2
    bit = int(trace[row, L.KB[0]])
    sib = 8 * (1 - bit) + 4                   # element 4 of the sibling half of the input
    # both paths hash another sibling: the level above sees other nodes
    t = trace.copy()
    for group in (L.GROUP_A, L.GROUP_B):
        state = group_in(t, row, group)
        state[sib] = bump(state[sib])
        regroup(t, row, group, state)
    assert violations(t, pi) == {f"{p} path: child[{j}] = next node[{j}]" for p in ("old", "new") for j in range(8)}
    refused(t, pi)
    # only the new path's sibling changes (a second leaf changed on the quiet), and the new path is
    # rehashed up to a forged root that the root register and the public input follow: the
    # shared-sibling check alone objects
    t = trace.copy()
    state = group_in(t, row, L.GROUP_B)
    state[sib] = bump(state[sib])
    regroup(t, row, L.GROUP_B, state)
    for r in range(row - 1, first - 1, -1):
        child = group_out(t, r + 1, L.GROUP_B)[:8]
        b = int(t[r, L.KB[0]])
        st = group_in(t, r, L.GROUP_B)
        st[8 * b:8 * b + 8] = child
        t[r, list(L.CHILD_N)] = child
        regroup(t, r, L.GROUP_B, st)
    fake = group_out(t, first, L.GROUP_B)[:8]
    t[first:h0 + L.HASH_ROWS, list(L.NEW_ROOT)] = fake
    t[h0 + L.HASH_ROWS:, list(L.ROOT)] = fake
    lie = StateInputs(pi.prev_root, tuple(int(x) for x in fake), pi.accesses)
    assert violations(t, lie) == {"SH: old sibling[4] = new sibling[4]"}
    refused(t, lie)


def _split_scenario():
    tree = StateTree.from_items([(key(i), i + 1) for i in range(40)])
    cands = [key(i) for i in range(100, 600)]
    for k in cands:
        s = replay(tree.copy(), [Access.write(k, 3)])[0]
        if kind_of(s) == "insert (split)" and s.new_proof.depth - s.old_proof.depth >= 2:
            return tree, s
    raise LookupError


def test_a_split_at_the_wrong_depth_is_refused():
    tree, s = _split_scenario()
    top, bottom = s.old_proof.depth, s.new_proof.depth
    sibs = s.new_proof.siblings
    assert all(x == ZERO_DIGEST for x in sibs[top:bottom - 1]) and sibs[-1] == s.old_proof.terminal_digest()
    for forged_sibs, what in ((sibs[:-1] + (ZERO_DIGEST, sibs[-1]), "one level too deep"),
                              (sibs[:top] + sibs[top + 1:], "one level too shallow")):
        forged = _forge([s], 0, new_proof=MerkleProof(forged_sibs, s.key, s.new_value))
        trace = build_trace(forged, tree.root)
        pi = _inputs(tree.root, forged)
        assert violations(trace, pi) == {"extra levels: K' bit = K bit, except on the last"}, what
        refused(trace, pi)


def _collapse_step(tree: StateTree):
    for i in range(40):
        s = replay(tree.copy(), [Access.write(key(i), 0)])[0]
        if kind_of(s) == "delete (collapse)" and s.old_proof.depth - s.new_proof.depth >= 2:
            return s
    raise LookupError


def test_a_delete_that_does_not_collapse_is_refused():
    tree = StateTree.from_items([(key(i), i + 1) for i in range(40)])
    s = _collapse_step(tree)
    other_key, other_value = s.other_leaf
    # Forgery 1: keep the slot and open the sibling leaf as an "inner node": a leaf digest is
    # compress(y[:8], y[8:]) of its last sponge input y, so only the right-child opening objects.
    from circuits.poseidon2 import permute
    from l2.state.tree import value_digest
    first = permute([*other_key, int.from_bytes(b"LEAF", "big"), 16] + [0] * 6)
    y = tuple((a + b) % P for a, b in zip(first, list(value_digest(other_value)) + [0] * 8))
    kept = MerkleProof(s.old_proof.siblings, None, 0)
    for right in ((0,) * 16, tuple(range(16))):
        forged = _forge([s], 0, new_proof=kept, inner_opening=y, right_opening=right)
        trace = build_trace(forged, tree.root)
        pi = _inputs(tree.root, forged)
        assert violations(trace, pi) == {f"H2→H3: (DNC − DZ)·(B out'[{j}] − B in[{8 + j}]) = 0" for j in range(8)}
        refused(trace, pi)
    forged = _forge([s], 0, new_proof=kept, inner_opening=y, right_opening=None)
    trace = build_trace(forged, tree.root)
    assert violations(trace, _inputs(tree.root, forged)) == {f"H2: DZ·B in[{8 + j}] = 0" for j in range(8)}
    # Forgery 2: collapse, but stop one level short (K' left beside an empty sibling)
    top = s.new_proof.depth
    short = MerkleProof(s.old_proof.siblings[:top + 1], other_key, other_value)
    forged = _forge([s], 0, new_proof=short)
    trace = build_trace(forged, tree.root)
    pi = _inputs(tree.root, forged)
    assert violations(trace, pi) == {"fork: sibling above the extra levels is not empty"}
    refused(trace, pi)


def test_forged_bytes_and_bus_columns_are_refused(scenario, honest):
    _, _, steps = scenario
    trace, pi = honest
    # a new limb (0xFFFF) split into a "byte" ≥ 256: the limb identity holds, only the lookup fails
    i = next(j for j, s in enumerate(steps) if s.new_value == 2**256 - 1)
    _, h0 = blocks(trace)[i]
    t = trace.copy()
    lo, hi = int(t[h0, L.BYTES[0]]), int(t[h0, L.BYTES[1]])
    assert (lo, hi) == (255, 255)
    t[h0, L.BYTES[0]], t[h0, L.BYTES[1]] = lo + 256, hi - 1
    assert violations(t, pi) == set()
    assert violations(t, pi, with_aux=True) == {"S' = S + H0·u + Σ u_k − v − first·V"}
    refused(t, pi)
    # the access columns say a read was a write: the bus sum does not close
    i = next(j for j, s in enumerate(steps) if not s.is_write)
    first, h0 = blocks(trace)[i]
    t = trace.copy()
    t[first:h0 + L.HASH_ROWS, L.IS_WRITE] = 1
    assert violations(t, pi) == set()
    refused(t, pi)


def test_changed_public_inputs_fail(honest):
    trace, pi = honest
    proof = prove(AIR, trace, pi, OPTS).to_bytes()
    verify(AIR, proof, pi, min_security=0)
    acc = list(pi.accesses)
    a = acc[3]
    read = next(r for r in acc if not r.is_write)
    lies = [
        StateInputs((pi.prev_root[0] ^ 1,) + pi.prev_root[1:], pi.new_root, acc),
        StateInputs(pi.prev_root, pi.new_root[:5] + (bump(pi.new_root[5]),) + pi.new_root[6:], acc),
        StateInputs(pi.prev_root, pi.new_root, [*acc[:3], AccessRecord(a.key, a.old_value, a.new_value + 1, True),
                                                *acc[4:]]),
        StateInputs(pi.prev_root, pi.new_root, [*acc[:3], AccessRecord(a.key, a.old_value ^ 1, a.new_value, True),
                                                *acc[4:]]),
        StateInputs(pi.prev_root, pi.new_root, [*acc[:3], AccessRecord((bump(a.key[0]),) + a.key[1:], a.old_value,
                                                                       a.new_value, True), *acc[4:]]),
        StateInputs(pi.prev_root, pi.new_root,
                    [AccessRecord(r.key, r.old_value, r.new_value, True) if r is read else r for r in acc]),
        StateInputs(pi.prev_root, pi.new_root, [acc[1], acc[0], *acc[2:]]),
        StateInputs(pi.prev_root, pi.new_root, acc[:-1]),
        StateInputs(pi.prev_root, pi.new_root, [*acc, acc[-1]]),
    ]
    for lie in lies:
        with pytest.raises(VerificationError):
            verify(AIR, proof, lie, min_security=0)


# ---------------------------------------------------------------------------------------------
# Every constraint has a mutation that it alone catches
# ---------------------------------------------------------------------------------------------
#
# Single-access traces, one per kind of access, are mutated in three ways:
#   * cells: a few cells set to other values (the catalogue below names the row by its role);
#   * rules: the trace is re-derived from its own columns by `repair`, which re-establishes every
#     relation the constraints state, in dependency order — except that one relation's result is
#     shifted by one at one index.  Everything downstream follows the shifted value (the hashes,
#     the path, the roots and the public roots), so only that relation's constraint fails;
#   * public inputs changed.
# Each mutation is checked to violate exactly the named constraint.

DEEP_A, DEEP_B = (5, 1, 0, 0, 0, 0, 0, 0), (5, 3, 0, 0, 0, 0, 0, 0)


def _mutation_tree() -> StateTree:
    rng = random.Random(11)
    return StateTree.from_items([(key(i), rng.randrange(1, 2**256)) for i in range(48)]
                                + [(DEEP_A, 3), (DEEP_B, 4)])


def _find(tree: StateTree, kind: str, candidates, value, cond=lambda s: True) -> Access:
    for k in candidates:
        acc = Access(k, value)
        s = replay(tree.copy(), [acc])[0]
        if kind_of(s) == kind and cond(s):
            return acc
    raise LookupError(kind)


def _single_access_fixtures() -> dict[str, tuple[StateTree, Access]]:
    tree = _mutation_tree()
    present = [key(i) for i in range(48)]
    absent = [key(i) for i in range(100, 1000)]
    gap = (lambda s: abs(s.old_proof.depth - s.new_proof.depth) >= 2
           and min(s.old_proof.depth, s.new_proof.depth) >= 1)
    one = StateTree.from_items([(key(1), 5)])
    two = StateTree.from_items([(key(1), 5), (key(2), 6)])
    return {
        "update": (tree, _find(tree, "update", present, 7, lambda s: s.old_proof.depth >= 3)),
        "insert": (tree, _find(tree, "insert (empty slot)", absent, 2**256 - 1)),
        "split": (tree, _find(tree, "insert (split)", absent, 2**255 + 77, gap)),
        "collapse": (tree, _find(tree, "delete (collapse)", present, 0, gap)),
        "delete": (tree, _find(tree, "delete (slot stays)", present, 0)),
        "delete rz": (tree, _find(tree, "delete (slot stays, right child empty)", present, 0)),
        "read": (tree, _find(tree, "read present", present, None)),
        "read empty": (tree, _find(tree, "read absent (empty)", absent, None)),
        "read other": (tree, _find(tree, "read absent (other leaf)", absent, None)),
        "deep": (tree, Access.write(DEEP_A, 2**64 + 1)),
        "root insert": (StateTree(), Access.write(key(1), 5)),
        "root split": (one, Access.write(key(2), 6)),
        "root collapse": (two, Access.write(key(2), 0)),
        "root delete": (one, Access.write(key(1), 0)),
    }


@pytest.fixture(scope="module")
def fixtures() -> dict[str, tuple[np.ndarray, StateInputs]]:
    return {name: state_trace(tr, [acc]) for name, (tr, acc) in _single_access_fixtures().items()}


def roles(t: np.ndarray) -> dict[str, int]:
    """Rows of a single-access trace by role."""
    first, h0 = blocks(t)[0]
    n = t.shape[0]
    out = {f"H{i}": h0 + i for i in range(L.HASH_ROWS)}
    out.update({"first": first, "pad": h0 + L.HASH_ROWS, "pad+1": h0 + L.HASH_ROWS + 1, "last": n - 1,
                "next to last": n - 2})
    for d in range(h0 - first):
        out[f"level {d}"] = first + d
    if h0 > first:
        out["last level"] = h0 - 1
    x = [r for r in range(first, h0) if t[r, L.XO] or t[r, L.XN]]
    if x and x[0] > first:
        out["fork"] = x[0] - 1
    if x:
        out["first extra"] = x[0]
    reloads = [r for r in range(first + 1, h0) if t[r, L.RELOAD]]
    if reloads:
        out["reload"] = reloads[0]
    return out


def _set(t, row, col, value) -> None:
    t[row, col] = value % P


def _regroup_row(t, row, group) -> None:
    regroup(t, row, group, group_in(t, row, group))


def _place(child, sib, bit):
    return np.concatenate([sib, child]) if bit else np.concatenate([child, sib])


def repair(t: np.ndarray, pi: StateInputs, tamper: tuple[str, int] | None = None
           ) -> tuple[np.ndarray, StateInputs]:
    """Re-derive a single-access trace from its own columns; with ``tamper = (rule, j)`` the result
    of that rule is shifted by one at index j and everything after follows it.

    Sources (kept as they are): the access columns, the flags, the key-bit registers, the siblings
    of shared rows, the absorbed vd' of K', the sibling opening's inputs and the nonzero witnesses.
    Returns the trace and ``pi`` with the roots the trace now starts and ends at.
    """
    t = t.copy()
    k = 8

    def tw(rule: str, values) -> np.ndarray:
        v = np.array(values, dtype=np.uint64) % P
        if tamper and tamper[0] == rule:
            v[tamper[1]] = (int(v[tamper[1]]) + 1) % P
        return v

    A, B = L.GROUP_A, L.GROUP_B
    first, h0 = blocks(t)[0]
    end = h0 + L.HASH_ROWS
    block = slice(first, end)
    f = t[first]
    ol, nl = f[list(L.OLD_LIMBS)], f[list(L.NEW_LIMBS)]
    on, nn, ko, kn, _, _, dnc, _ = (int(x) for x in f[list(L.FLAGS)])
    dz = int(f[L.DZ])
    cap_v = np.array([int.from_bytes(b"SVAL", "big"), 16] + [0] * 6, dtype=np.uint64)
    cap_l = np.array([int.from_bytes(b"LEAF", "big"), 16] + [0] * 6, dtype=np.uint64)
    r0, r1, r2, r3, r4 = (h0 + i for i in range(5))
    # per-row helpers of the limbs: inverses of the limb sums, the bytes of the new limbs
    for col, flag, limbs_cols in ((L.INV_OLD, L.ON, L.OLD_LIMBS), (L.INV_NEW, L.NN, L.NEW_LIMBS)):
        sums = t[block][:, list(limbs_cols)].sum(axis=1) % P
        t[block, col] = [pow(int(x), P - 2, P) if x and t[first, flag] else 0 for x in sums]
    for i in range(4):
        limbs = t[h0 + i, list(L.NEW_LIMBS)][4 * i:4 * i + 4].astype(np.int64)
        t[h0 + i, list(L.BYTES)] = np.stack([limbs & 0xFF, limbs >> 8], axis=1).reshape(8) % P
    for reg, helpers in ((L.KB, L.KB_H), (L.KPB, L.KPB_H)):
        h1 = t[block, reg[27]] * t[block, reg[28]] % P
        t[block, helpers[0]] = h1
        t[block, helpers[1]] = h1 * t[block, reg[29]] % P * t[block, reg[30]] % P
    vdp = (group_in(t, r3, B)[:k] + P - group_out(t, r2, B)[:k]) % P   # the absorbed vd' (a source)
    # H0, H1: value sponges
    for g, limbs, tag in ((A, ol, "A"), (B, nl, "B")):
        side = "old" if g is A else "new"
        st = np.concatenate([tw(f"H0: {tag} in = {side} limb", limbs[:k]), tw(f"H0: {tag} in = value capacity", cap_v)])
        regroup(t, r0, g, st)
        out = group_out(t, r0, g)
        st = np.concatenate([tw(f"H0→H1: {tag} in = out + {side} limb", out[:k] + limbs[k:]),
                             tw(f"H0→H1: {tag} in[8+] = out", out[k:])])
        regroup(t, r1, g, st)
    t[r2, list(L.VD_O)] = tw("H1→H2: vd_old", group_out(t, r1, A)[:k])
    t[r2, list(L.VD_N)] = tw("H1→H2: vd_new", group_out(t, r1, B)[:k])
    # H2: leaf block 1 of K, and of K' (or the sibling opening)
    regroup(t, r2, A, np.concatenate([tw("H2: A in = K", f[list(L.KEY)]), tw("H2: A in = leaf capacity", cap_l)]))
    if not dnc:
        regroup(t, r2, B, np.concatenate([tw("H2: B in = K'", f[list(L.OTHER_KEY)]),
                                          tw("H2: B in = leaf capacity", cap_l)]))
    t[r3, list(L.VD_O)] = tw("H2→H3: vd_old kept", t[r2, list(L.VD_O)])
    t[r3, list(L.VD_N)] = tw("H2→H3: vd_new kept", t[r2, list(L.VD_N)])
    out = group_out(t, r2, A)
    regroup(t, r3, A, np.concatenate([tw("H2→H3: A in = out + vd_old", out[:k] + t[r2, list(L.VD_O)]),
                                      tw("H2→H3: A in[8+] = out", out[k:])]))
    if not dnc:
        out = group_out(t, r2, B)
        regroup(t, r3, B, np.concatenate([(out[:k] + vdp) % P, tw("H2→H3: B in[8+] = out", out[k:])]))
    elif not dz:
        _regroup_row(t, r3, B)
        st = group_in(t, r2, B)
        st[k:] = tw("H2→H3: (DNC − DZ)·(B out' − B in) = 0", group_out(t, r3, B)[:k])
        regroup(t, r2, B, st)
    st = group_in(t, r3, A)
    regroup(t, r4, A, np.concatenate([
        tw("H3→H4: A in' = A in + vd_new − vd_old", st[:k] + t[r3, list(L.VD_N)] + P - t[r3, list(L.VD_O)]),
        tw("H3→H4: A in'[8+] = A in", st[k:])]))
    t_old = tw("H3: T_old", on * group_out(t, r3, A)[:k] + ko * group_out(t, r3, B)[:k])
    t_new = tw("H3: T_new", nn * group_out(t, r4, A)[:k] + kn * group_out(t, r3, B)[:k])
    t[block, list(L.T_OLD)] = t_old
    t[block, list(L.T_NEW)] = t_new
    # level rows, bottom-up
    w = None
    for row in range(h0 - 1, first - 1, -1):
        bit = int(t[row, L.KB[0]])
        sh, xo, xn = int(t[row, L.SH]), int(t[row, L.XO]), int(t[row, L.XN])
        last = row == h0 - 1
        sib_o = None
        if sh or xo:
            old_last = last or not (t[row + 1, L.SH] or t[row + 1, L.XO])
            sib_o = group_in(t, row, A)[(1 - bit) * k:(2 - bit) * k]
            if xo:
                sib_o = tw("XO: old sibling = H0'·T_new", t_new if last else np.zeros(k, np.uint64))
            if dnc and last:
                sib_o = tw("H2: DNC·(B out − SB) = 0", group_out(t, r2, B)[:k])
            child = tw("old path: last child = T_old", t_old) if old_last else \
                tw("old path: child = next node", group_out(t, row + 1, A)[:k])
            t[row, list(L.CHILD_O)] = child
            regroup(t, row, A, _place(tw("level: child_old = select", child), sib_o, bit))
        if sh or xn:
            new_last = last or not (t[row + 1, L.SH] or t[row + 1, L.XN])
            sib_n = group_in(t, row, B)[(1 - bit) * k:(2 - bit) * k]
            if sh:
                sib_n = tw("SH: old sibling = new sibling", sib_o)
            if xn:
                sib_n = tw("XN: new sibling = H0'·T_old", t_old if last else np.zeros(k, np.uint64))
            child = tw("new path: last child = T_new", t_new) if new_last else \
                tw("new path: child = next node", group_out(t, row + 1, B)[:k])
            t[row, list(L.CHILD_N)] = child
            regroup(t, row, B, _place(tw("level: child_new = select", child), sib_n, bit))
        sib_o = (group_in(t, row, A)[:k] + group_in(t, row, A)[k:] + P - t[row, list(L.CHILD_O)]) % P
        w = t[row, list(L.NZ_W)]
        t[row, L.NZ_SUM] = tw("level: wsum", [int((w * sib_o % P).sum() % P)])[0]
        if last:
            t[block, list(L.BOTTOM_SIB)] = tw("last level: SB = old sibling", sib_o)
    kd = (f[list(L.KEY)] + P - f[list(L.OTHER_KEY)]) % P
    t[r4, L.NZ_SUM] = tw("H4: wsum", [int((t[r4, list(L.NZ_W)] * kd % P).sum() % P)])[0]
    # roots
    o0 = int(t[first, L.SH] + t[first, L.XO])
    n0 = int(t[first, L.SH] + t[first, L.XN])
    root_old = tw("start: R is the old root", group_out(t, first, A)[:k] if o0 else t_old)
    root_new = tw("start: NR is the new root", group_out(t, first, B)[:k] if n0 else t_new)
    t[block, list(L.ROOT)] = root_old
    t[block, list(L.NEW_ROOT)] = root_new
    t[end:, list(L.ROOT)] = tw("R' = R + H4·(NR − R)", root_new)
    return t, StateInputs(tuple(int(x) for x in root_old), tuple(int(x) for x in t[-1, list(L.ROOT)]),
                          pi.accesses)


RULES = {
    # rule in `repair`: the constraint names it establishes (one per index j)
    "H0: A in = old limb": "H0: A in[{j}] = old limb[{j}]",
    "H0: B in = new limb": "H0: B in[{j}] = new limb[{j}]",
    "H0: A in = value capacity": "H0: A in[{j8}] = value capacity",
    "H0: B in = value capacity": "H0: B in[{j8}] = value capacity",
    "H0→H1: A in = out + old limb": "H0→H1: A in[{j}] = out[{j}] + old limb[{j8}]",
    "H0→H1: B in = out + new limb": "H0→H1: B in[{j}] = out[{j}] + new limb[{j8}]",
    "H0→H1: A in[8+] = out": "H0→H1: A in[{j8}] = out[{j8}]",
    "H0→H1: B in[8+] = out": "H0→H1: B in[{j8}] = out[{j8}]",
    "H1→H2: vd_old": "H1→H2: vd_old[{j}]",
    "H1→H2: vd_new": "H1→H2: vd_new[{j}]",
    "H2: A in = K": "H2: A in[{j}] = K[{j}]",
    "H2: A in = leaf capacity": "H2: A in[{j8}] = leaf capacity",
    "H2: B in = K'": "H2: B in[{j}] = K'[{j}]",
    "H2: B in = leaf capacity": "H2: B in[{j8}] = leaf capacity",
    "H2→H3: vd_old kept": "H2→H3: vd_old[{j}] kept",
    "H2→H3: vd_new kept": "H2→H3: vd_new[{j}] kept",
    "H2→H3: A in = out + vd_old": "H2→H3: A in[{j}] = out[{j}] + vd_old[{j}]",
    "H2→H3: A in[8+] = out": "H2→H3: A in[{j8}] = out[{j8}]",
    "H2→H3: B in[8+] = out": "H2→H3: B in[{j8}] = out[{j8}]",
    "H2→H3: (DNC − DZ)·(B out' − B in) = 0": "H2→H3: (DNC − DZ)·(B out'[{j}] − B in[{j8}]) = 0",
    "H2: DNC·(B out − SB) = 0": "H2: DNC·(B out[{j}] − SB[{j}]) = 0",
    "H3→H4: A in' = A in + vd_new − vd_old": "H3→H4: A in'[{j}] = A in[{j}] + vd_new[{j}] − vd_old[{j}]",
    "H3→H4: A in'[8+] = A in": "H3→H4: A in'[{j8}] = A in[{j8}]",
    "H3: T_old": "H3: T_old[{j}] = ON·A out[{j}] + KO·B out[{j}]",
    "H3: T_new": "H3: T_new[{j}] = NN·A out'[{j}] + KN·B out[{j}]",
    "XO: old sibling = H0'·T_new": "XO: old sibling[{j}] = H0'·T_new[{j}]",
    "XN: new sibling = H0'·T_old": "XN: new sibling[{j}] = H0'·T_old[{j}]",
    "old path: last child = T_old": "old path: last child[{j}] = T_old[{j}]",
    "old path: child = next node": "old path: child[{j}] = next node[{j}]",
    "new path: last child = T_new": "new path: last child[{j}] = T_new[{j}]",
    "new path: child = next node": "new path: child[{j}] = next node[{j}]",
    "SH: old sibling = new sibling": "SH: old sibling[{j}] = new sibling[{j}]",
    "last level: SB = old sibling": "last level: SB[{j}] = old sibling[{j}]",
    "start: R is the old root": "start: R[{j}] is the old root",
    "start: NR is the new root": "start: NR[{j}] is the new root",
    "R' = R + H4·(NR − R)": "R'[{j}] = R[{j}] + H4·(NR[{j}] − R[{j}])",
    "level: wsum": "level: wsum = Σ w·old sibling",
    "H4: wsum": "H4: wsum = Σ w·(K − K')",
}


def violated_by(base: np.ndarray, mutations: list[tuple[np.ndarray, StateInputs]]) -> list[set[str]]:
    """For each mutated trace (with its public inputs), the names of the violated constraints.

    Constraints only see two consecutive rows, so each mutation is evaluated on the windows around
    the rows where it differs from ``base`` — every mutation in one batched evaluation.  The same
    result as :func:`find_violations` on the whole trace (checked by a test), much faster.
    """
    n = base.shape[0]
    names = AIR.transition_names()
    cyclic = AIR.cyclic_transitions()
    cur_parts, nxt_parts, owner, at = [], [], [], []
    for m, (t, _) in enumerate(mutations):
        changed = np.nonzero((t != base).any(axis=1))[0]
        rows = np.unique(np.concatenate([changed, (changed - 1) % n]))
        cur_parts.append(t[rows])
        nxt_parts.append(t[(rows + 1) % n])
        owner += [m] * rows.size
        at += rows.tolist()
    out = [set() for _ in mutations]
    if owner:
        cur, nxt = np.vstack(cur_parts), np.vstack(nxt_parts)
        owner_a, at_a = np.array(owner), np.array(at)
        values = AIR.evaluate_transition([BaseVec(np.ascontiguousarray(cur[:, j])) for j in range(L.WIDTH)],
                                         [BaseVec(np.ascontiguousarray(nxt[:, j])) for j in range(L.WIDTH)], None)
        for i, v in enumerate(values):
            bad = np.nonzero(v.v if isinstance(v, BaseVec) else np.full(cur.shape[0], int(v) % P))[0]
            if i not in cyclic:
                bad = bad[at_a[bad] != n - 1]
            for b in bad:
                out[owner_a[b]].add(names[i])
    for m, (t, pi) in enumerate(mutations):
        for a in AIR.assertions(pi, n):
            if int(t[a.row, a.column]) != int(a.value):
                out[m].add(a.name)
    return out


def _rows(t: np.ndarray, where) -> list[int]:
    """Rows named by a role, "block" (the access's rows), "padding", or ("from", role) to the end."""
    r = roles(t)
    first, h0 = blocks(t)[0]
    if where == "block":
        return list(range(first, h0 + L.HASH_ROWS))
    if where == "padding":
        return list(range(h0 + L.HASH_ROWS, t.shape[0]))
    if isinstance(where, tuple) and where[0] == "from":
        return list(range(r[where[1]], t.shape[0]))
    return [r[where]]


def _value(old: int, op) -> int:
    if isinstance(op, int):
        return op % P
    return {"+1": old + 1, "-1": old - 1, "=0": 0, "=1": 1, "=2": 2, "=-1": -1, "flip": 1 - old}[op] % P


def mutate(fixture: tuple[np.ndarray, StateInputs], cells, fix: bool = False) -> tuple[np.ndarray, StateInputs]:
    """Apply ``cells`` — (where, column, op) with column an int or ("A"|"B", input index) — and, with
    ``fix``, re-derive the rest of the trace from the changed cells with :func:`repair`."""
    t, pi = fixture[0].copy(), fixture[1]
    regroup_rows = set()
    for where, col, op in cells:
        for row in _rows(t, where):
            if isinstance(col, tuple):
                group = L.GROUP_A if col[0] == "A" else L.GROUP_B
                c = group.offset + col[1]
                regroup_rows.add((row, group))
            else:
                c = col
            t[row, c] = _value(int(t[row, c]), op)
    for row, group in regroup_rows:
        _regroup_row(t, row, group)
    if fix:
        return repair(t, pi)
    return t, pi


RULE_FIXTURE = {rule: "update" for rule in RULES} | {
    "H2→H3: (DNC − DZ)·(B out' − B in) = 0": "delete", "H2: DNC·(B out − SB) = 0": "delete",
    "XO: old sibling = H0'·T_new": "collapse", "XN: new sibling = H0'·T_old": "split"}


def cell_catalogue() -> list[tuple[str, str, list, bool]]:
    """(constraint, fixture, cells, re-derive the rest) for the constraints a few cells isolate."""
    out = []

    def add(name, fixture, cells, fix=False):
        out.append((name, fixture, cells, fix))

    for j in range(L.LIMBS):
        add(f"(1 − ON)·old limb[{j}] = 0", "insert", [("block", L.OLD_LIMBS[j], "+1")], True)
        add(f"(1 − NN)·new limb[{j}] = 0", "collapse", [("block", L.NEW_LIMBS[j], "+1")], True)
        add(f"read: new limb[{j}] = old limb[{j}]", "read", [("block", L.OLD_LIMBS[j], "+1")], True)
        add(f"old limb[{j}] constant over a block", "update", [(("from", "H1"), L.OLD_LIMBS[j], "=0")], True)
        add(f"new limb[{j}] constant over a block", "update", [("H1", L.NEW_LIMBS[j], "+1")], True)
        add(f"H{j // 4}: new limb[{j}] = byte + 256·byte", "update", [(f"H{j // 4}", L.BYTES[2 * (j % 4)], "+1")])
    for j in range(8):
        for cols, label in ((L.KEY, "K"), (L.OTHER_KEY, "K'"), (L.T_OLD, "T_old"), (L.T_NEW, "T_new"),
                            (L.BOTTOM_SIB, "SB"), (L.NEW_ROOT, "NR")):
            add(f"{label}[{j}] constant over a block", "update", [("H0", cols[j], "+1")])
        for win, label in ((L.WIN_K, "K"), (L.WIN_KP, "K'")):
            add(f"rotate: {label} window'[{j}] = window[{j}]", "update", [("level 1", win[j], "+1")])
            if j:
                add(f"start: {label} window[{j}] = {label}[{j}]", "root split", [("first", win[j], "+1")])
                add(f"reload: {label} window'[{j}] = window[{j + 1}]", "deep", [(("from", "reload"), win[j], "+1")])
        add(f"level: child_old[{j}] = select(bit, A left, A right)", "split", [("first extra", L.CHILD_O[j], "+1")])
        add(f"level: child_new[{j}] = select(bit, B left, B right)", "collapse", [("first extra", L.CHILD_N[j], "+1")])
        add(f"H2: DZ·B in[{8 + j}] = 0", "delete rz", [("H2", ("B", 8 + j), "+1")], True)
    add("start: K window[0] = K[0]", "update", [("block", L.KEY[0], "+1")], True)
    add("start: K' window[0] = K'[0]", "update", [("block", L.OTHER_KEY[0], "+1")], True)
    for i in range(L.ELEMENT_BITS):
        for reg, label in ((L.KB, "K"), (L.KPB, "K'")):
            add(f"{label} bit[{i}] is boolean", "update", [("H0", reg[i], "-1")])
            add(f"rotate: {label} bit'[{i}] = bit[{(i + 1) % L.ELEMENT_BITS}]", "update",
                [("last level", reg[i], "flip")], True)
    for helpers, label in ((L.KB_H, "K"), (L.KPB_H, "K'")):
        add(f"{label} h1 = b27·b28", "update", [("H0", helpers[0], "+1")])
        add(f"{label} h2 = h1·b29·b30", "update", [("H0", helpers[1], "+1")])
    add("reload: Σ 2^i·K bit[i] = window[0]", "root split", [("first", L.KB[1], "flip")])
    add("reload: Σ 2^i·K' bit[i] = window[0]", "root split", [("first", L.KPB[1], "flip")])
    add("RELOAD·CTR = 0", "root split", [("first", L.CTR, "+1")])
    add("start: RELOAD = level row", "update", [("first", L.RELOAD, "+1")])
    add("rotate: CTR ≠ 30", "update", [("first", L.CTR_INV, "+1")])
    add("rotate: CTR' = CTR + 1", "update", [("last level", L.CTR, "+1")])
    # flags
    add("HL constant over a block", "update", [("H0", L.HL, "+1")])
    add("start: HL = level row", "update", [("block", L.HL, "+1")])
    add("KO constant over a block", "insert", [("level 0", L.KO, "=1"), ("level 0", L.SP, "=1")])
    add("KN constant over a block", "delete", [("level 0", L.KN, "=1"), ("level 0", L.CL, "=1"),
                                               ("level 0", L.DNC, "=0")])
    add("SP = KO·NN", "update", [("H0", L.SP, "+1")])
    add("CL = ON·KN", "update", [("H0", L.CL, "+1")])
    add("DNC = ON·HL·(1 − NN − KN)", "update", [("block", L.DNC, "+1")], True)
    add("DZ = DNC·RZ", "update", [("H0", L.DZ, "+1")])
    add("ON·KO = 0", "split", [("block", L.ON, "=1"), ("block", L.OLD_LIMBS[0], "=1")], True)
    add("KO·(1 − NN − KN) = 0 (K' does not vanish)", "update", [("padding", L.KO, "+1")])
    add("KN·(1 − ON − KO) = 0 (K' does not appear)", "update", [("padding", L.KN, "+1")])
    # a split and a collapse at the root of a tree without level rows: K' comes from nowhere
    add("SP·(1 − HL) = 0", "root insert", [("block", L.KO, "=1"), ("block", L.SP, "=1"),
                                            ("block", L.OTHER_KEY[0], "+1"), ("H4", L.NZ_W[0], "=-1")], True)
    add("CL·(1 − HL) = 0", "root delete", [("block", L.KN, "=1"), ("block", L.CL, "=1")], True)
    add("ON = Σ old limbs · inv", "update", [("H0", L.INV_OLD, "+1")])
    add("NN = Σ new limbs · inv", "update", [("H0", L.INV_NEW, "+1")])
    add("H4: KO·(wsum − 1) = 0 (K ≠ K')", "split", [(("from", "H0"), L.NZ_W[0], "+1")], True)
    add("fork: sibling above the extra levels is not empty", "split", [("fork", L.NZ_W[0], "+1")], True)
    add("last level is XN exactly for a split", "split", [("block", L.KO, "=0"), ("block", L.SP, "=0")], True)
    add("last level is XO exactly for a collapse", "root collapse", [("level 0", L.SH, "=1"), ("level 0", L.XO, "=0")],
        True)
    # row kinds and bookkeeping
    add("SH is boolean", "update", [("pad", L.SH, "=-1"), ("pad", L.XO, "=1")])
    add("XO is boolean", "update", [("pad", L.SH, "=1"), ("pad", L.XO, "=-1")])
    add("XN is boolean", "update", [("pad", L.SH, "=1"), ("pad", L.XN, "=-1")])
    add("one row kind", "update", [("H4", L.PAD, "+1")])
    add("first' = 0", "update", [("H0", L.FIRST, "+1")])
    add("first[0] = 1", "update", [("first", L.FIRST, "+1")])
    add("the first row starts a block", "update", [("first", L.START, "+1")])
    add("idx' = idx + H4", "update", [("H0", L.IDX, "+1")])
    add("tab starts at 0", "update", [("first", L.TAB, "+1")])
    add("tab ends at 255", "update", [("last", L.TAB, "-1")])
    add("tab' − tab ∈ {0, 1}", "update", [("H0", L.TAB, "+1")])
    return out


# ---- mutations that rebuild rows ------------------------------------------------------------

def _write_registers(t, rows, schedule, k_elems, kp_elems) -> None:
    """Key-bit registers, counter and windows of level rows for a reload schedule: (element, position)
    per row; ``*_elems`` are the values decomposed (window entries are taken mod p)."""
    for row, (e, pos) in zip(rows, schedule):
        for reg, helpers, win, elems in ((L.KB, L.KB_H, L.WIN_K, k_elems), (L.KPB, L.KPB_H, L.WIN_KP, kp_elems)):
            v = int(elems[e])
            bits = [(v >> ((pos + i) % L.ELEMENT_BITS)) & 1 for i in range(L.ELEMENT_BITS)]
            t[row, list(reg)] = bits
            t[row, helpers[0]] = bits[27] * bits[28]
            t[row, helpers[1]] = bits[27] * bits[28] * bits[29] * bits[30]
            t[row, list(win)] = [int(elems[e + i]) % P if e + i < 8 else 0 for i in range(8)]
        t[row, L.CTR] = pos
        t[row, L.RELOAD] = int(pos == 0)
        t[row, L.CTR_INV] = pow((pos - 30) % P, P - 2, P) if pos != 30 else 0


def _level_rows(t):
    first, h0 = blocks(t)[0]
    return list(range(first, h0))


def _custom_non_canonical(fx, which: str):
    """The first element decomposed as K[0] + p (the same residue, a different path)."""
    t, pi = fx["deep"][0].copy(), fx["deep"][1]
    rows = _level_rows(t)
    keys = t[rows[0], list(L.KEY)].astype(object)
    okeys = t[rows[0], list(L.OTHER_KEY)].astype(object)
    (keys if which == "K" else okeys)[0] += P
    _write_registers(t, rows, [(d // 31, d % 31) for d in range(len(rows))], keys, okeys)
    return repair(t, pi)


def _custom_reload_other_element(fx, which: str):
    """At the reload the window takes 2 instead of the next key element (1)."""
    t, pi = fx["deep"][0].copy(), fx["deep"][1]
    rows = _level_rows(t)
    keys = t[rows[0], list(L.KEY)].astype(object)
    okeys = t[rows[0], list(L.OTHER_KEY)].astype(object)
    assert keys[1] == 1
    after = [r for r in rows if r >= roles(t)["reload"]]
    k2, kp2 = keys.copy(), okeys.copy()
    (k2 if which == "K" else kp2)[1] = 2
    _write_registers(t, after, [((r - rows[0]) // 31, (r - rows[0]) % 31) for r in after], k2, kp2)
    win = L.WIN_K if which == "K" else L.WIN_KP
    t[after[0]:after[-1] + 1, win[1]] = 0      # (2, 0, …): only the shifted-in element is wrong
    return repair(t, pi)


def _custom_early_reload(fx):
    """The registers reload after 30 levels instead of 31."""
    t, pi = fx["deep"][0].copy(), fx["deep"][1]
    rows = _level_rows(t)
    keys = t[rows[0], list(L.KEY)]
    okeys = t[rows[0], list(L.OTHER_KEY)]
    _write_registers(t, rows, [(0, d) if d < 30 else (1, d - 30) for d in range(len(rows))], keys, okeys)
    return repair(t, pi)


def _custom_split_too_deep(fx):
    tree, s = _split_scenario()
    sibs = s.new_proof.siblings
    forged = _forge([s], 0, new_proof=MerkleProof(sibs[:-1] + (ZERO_DIGEST, sibs[-1]), s.key, s.new_value))
    return build_trace(forged, tree.root), _inputs(tree.root, forged)


def _two_blocks():
    tree = _mutation_tree()
    present = [key(i) for i in range(48)]
    a = next(k for k in present if tree.depth_of(k) >= 3)
    b = next(k for k in present if tree.depth_of(k) >= 3 and k != a)
    return state_trace(tree, [Access.write(a, 9), Access.read(b)])


def _custom_second_start_dropped(fx):
    """The second block's first row is not marked as a start: its start checks switch off."""
    t, pi = _two_blocks()
    (_, h0), (second, h0b) = blocks(t)
    h4 = h0 + 4
    t = t.copy()
    t[second, L.START] = 0
    t[h4, L.CTR] = 30
    for win, cols in ((L.WIN_K, L.KEY), (L.WIN_KP, L.OTHER_KEY)):
        t[h4, list(win)[1:]] = t[second, list(cols)][:7]
        t[second:h0b, win[7]] = 0
    return t, pi


def _custom_headless_block(fx):
    """A block that starts at H1: the H0 row of a block without level rows is cut out."""
    t, pi = fx["root insert"][0].copy(), fx["root insert"][1]
    keep = [L.TAB, L.TAB_MULT, L.FIRST]
    shifted = np.vstack([t[1:], t[-1:]])
    shifted[:, keep] = t[:, keep]
    shifted[0, L.START] = 1
    return shifted, pi


def _custom_levels_without_hash_rows(fx):
    """A block's hash rows turned into padding: its level rows dangle and its write never lands."""
    t, pi = fx["update"][0].copy(), fx["update"][1]
    first, h0 = blocks(t)[0]
    t[h0:, list(L.KINDS)] = 0
    t[h0:, L.PAD] = 1
    carried = [*L.BLOCK_CONSTANT, *L.FLAGS, L.IS_WRITE, L.INV_OLD, L.INV_NEW, L.RZ, L.DZ]
    t[h0:, carried] = t[first, carried]
    t[h0:, L.IDX] = 0
    t[h0:, list(L.ROOT)] = t[first, list(L.ROOT)]
    return t, StateInputs(pi.prev_root, pi.prev_root, pi.accesses)


def _custom_padding_between_blocks(fx):
    """A padding row between two blocks (the second block then starts without a start mark)."""
    t, pi = _two_blocks()
    (_, h0), (second, h0b) = blocks(t)
    keep = [L.TAB, L.TAB_MULT, L.FIRST]
    out = np.vstack([t[:second], t[second:second + 1], t[second:-1]])
    out[:, keep] = t[:, keep]
    pad = second
    carried = [*L.BLOCK_CONSTANT, *L.FLAGS, L.IS_WRITE, L.INV_OLD, L.INV_NEW, L.RZ, L.DZ, L.IDX, *L.ROOT]
    row = out[pad].copy()
    out[pad] = t[-1]
    out[pad, carried] = row[carried]
    out[pad, L.CTR] = 30
    out[second + 1, L.START] = 0
    for win, cols in ((L.WIN_K, L.KEY), (L.WIN_KP, L.OTHER_KEY)):
        out[pad, list(win)[1:]] = row[list(cols)][:7]
        out[second + 1:h0b + 1, win[7]] = 0
    out[:, keep] = t[:, keep]
    return out, pi


def _custom_trace_ends_inside_a_block(fx):
    """The last block's H4 row is the trace's last row: its root update never reaches R."""
    tree = _mutation_tree()
    present = [key(i) for i in range(48)]
    rows_of = {}
    for k in present:
        rows_of.setdefault(tree.depth_of(k) + L.HASH_ROWS, k)
    write = next(k for k in present if tree.depth_of(k) >= 3)
    left = 256 - (tree.depth_of(write) + L.HASH_ROWS)
    reads = []
    sizes = sorted(rows_of)
    while left:
        fit = [r for r in sizes if r == left] or [r for r in sizes if r <= left - sizes[0]] or [left]
        r = fit[-1]
        reads.append(Access.read(rows_of[r]))
        left -= r
    accesses = reads + [Access.write(write, 11)]
    steps = replay(tree.copy(), accesses)
    t = build_trace(steps, tree.root)[:256]
    pi = StateInputs(tree.root, digest(t[-1], L.ROOT), [s.record for s in steps])
    return t, pi


CUSTOM = {
    "reload: K decomposition < p": lambda fx: _custom_non_canonical(fx, "K"),
    "reload: K' decomposition < p": lambda fx: _custom_non_canonical(fx, "K'"),
    "reload: K window'[0] = window[1]": lambda fx: _custom_reload_other_element(fx, "K"),
    "reload: K' window'[0] = window[1]": lambda fx: _custom_reload_other_element(fx, "K'"),
    "reload inside a block: CTR = 30": _custom_early_reload,
    "extra levels: K' bit = K bit, except on the last": _custom_split_too_deep,
    "start' = H4·(1 − PAD')": _custom_second_start_dropped,
    "a block starts with a level row or H0": _custom_headless_block,
    "a level row is not followed by padding": _custom_levels_without_hash_rows,
    "padding runs to the end": _custom_padding_between_blocks,
    "the last row is padding": _custom_trace_ends_inside_a_block,
}

NOT_ISOLATED = {
    # One-hot kinds and their order: every way found to break one of these breaks another as well.
    "H0 is boolean", "H4 is boolean", "PAD is boolean", "H1' = H0", "H2' = H1", "H3' = H2", "H4' = H3",
    "XO is followed by XO or H0", "XN is followed by XN or H0",
    # NN = KN = 1 forces ON = 1, KO = 0, a collapse (CL = 1) and DNC = −HL: with level rows the H2
    # opening then needs compress(…) = leaf(K') and a permutation output equal to the leaf capacity.
    "NN·KN = 0",
}


def all_mutations(fx) -> list[tuple[str, str | None, tuple[np.ndarray, StateInputs]]]:
    """(constraint, fixture the mutation is relative to — None for a rebuilt trace, mutated trace)."""
    out = []
    for rule, pattern in RULES.items():
        name = RULE_FIXTURE[rule]
        for j in (range(8) if "{j" in pattern else range(1)):
            out.append((pattern.format(j=j, j8=8 + j), name, repair(*fx[name], (rule, j))))
    for constraint, name, cells, fix in cell_catalogue():
        out.append((constraint, name, mutate(fx[name], cells, fix)))
    t, pi = fx["update"]
    for j in range(8):
        bad = (pi.prev_root[:j] + (bump(pi.prev_root[j]),) + pi.prev_root[j + 1:])
        out.append((f"R[{j}] starts at prev_root", "update", (t, StateInputs(bad, pi.new_root, pi.accesses))))
        bad = (pi.new_root[:j] + (bump(pi.new_root[j]),) + pi.new_root[j + 1:])
        out.append((f"R[{j}] ends at new_root", "update", (t, StateInputs(pi.prev_root, bad, pi.accesses))))
    for constraint, build in CUSTOM.items():
        out.append((constraint, None, build(fx)))
    return out


@pytest.fixture(scope="module")
def mutations(fixtures):
    return all_mutations(fixtures)


def test_repair_reproduces_honest_traces(fixtures):
    for name, (t, pi) in fixtures.items():
        again, pi2 = repair(t, pi)
        assert np.array_equal(again, t), name
        assert (pi2.prev_root, pi2.new_root) == (pi.prev_root, pi.new_root)


def test_fast_violation_check_agrees_with_find_violations(fixtures, mutations):
    sample = mutations[::37]
    for constraint, name, (t, pi) in sample:
        if name is None:
            continue
        slow = {v.name for v in find_violations(AIR, t, pi, limit=0)}
        assert violated_by(fixtures[name][0], [(t, pi)])[0] == slow, constraint


def test_every_constraint_has_a_mutation_only_it_catches(fixtures, mutations):
    by_base: dict[str, list] = {}
    for constraint, name, mutated in mutations:
        by_base.setdefault(name, []).append((constraint, mutated))
    covered = set()
    for name, items in by_base.items():
        if name is None:
            got = [{v.name for v in find_violations(AIR, t, pi, limit=0)} for _, (t, pi) in items]
        else:
            got = violated_by(fixtures[name][0], [m for _, m in items])
        for (constraint, _), names in zip(items, got):
            assert names == {constraint}, (constraint, name, sorted(names)[:4])
            covered.add(constraint)
    names = set(AIR.transition_names()) | {a.name for a in AIR.assertions(fixtures["update"][1], 256)}
    groups = set(L.GROUP_A.constraint_names()) | set(L.GROUP_B.constraint_names())
    assert covered | groups | NOT_ISOLATED == names
    assert not covered & NOT_ISOLATED


def test_poseidon2_group_constraints_in_place(fixtures):
    """The groups' cube constraints (x^3) and last-round outputs, each on its own, on a padding row
    (the groups are tested constraint by constraint in test_poseidon2_air)."""
    from circuits.poseidon2 import FULL_ROUND, ROUNDS
    from circuits.poseidon2_air import cube_columns, post_columns
    t, pi = fixtures["update"]
    row = roles(t)["pad"]
    muts, expected = [], []
    for group, tag in ((L.GROUP_A, "A: "), (L.GROUP_B, "B: ")):
        for r in range(ROUNDS):
            for j, col in enumerate(cube_columns(r)):
                m = t.copy()
                m[row, group.offset + col] = (P - int(m[row, group.offset + col])) % P or 1
                muts.append((m, pi))
                expected.append(f"{tag}round {r} cube[{j}] = x^3" if FULL_ROUND[r] else f"{tag}round {r} cube = x0^3")
        for j, col in enumerate(post_columns(ROUNDS - 1)):
            m = t.copy()
            m[row, group.offset + col] = bump(m[row, group.offset + col])
            muts.append((m, pi))
            expected.append(f"{tag}round {ROUNDS - 1} post[{j}] = (M_E·x·cube²)[{j}]")
    for names, want in zip(violated_by(t, muts), expected):
        assert names == {want}


@pytest.mark.slow
def test_one_mutation_of_every_constraint_family_is_refused_by_the_verifier(mutations):
    import re
    seen = set()
    for constraint, _, (t, pi) in mutations:
        family = re.sub(r"\[\d+\]", "[j]", constraint)
        if family in seen:
            continue
        seen.add(family)
        refused(t, pi)


# ---------------------------------------------------------------------------------------------
# Bus mode: the access list is private, the table reports its side of the bus as a claim
# ---------------------------------------------------------------------------------------------

BUS = StateBusAir()
BUS_SUM = "S' = S + H0·u + Σ u_k − v − first·V"


def bus_inputs(pi: StateInputs, count: int | None = None) -> StateBusInputs:
    return StateBusInputs(pi.prev_root, pi.new_root, len(pi.accesses) if count is None else count)


def bus_violations(trace, sbi, claims=None) -> set[str]:
    ch = challenges()
    aux = BUS.build_aux_trace(trace, ch, sbi)
    return {v.name for v in find_violations(BUS, trace, sbi, aux, ch, limit=0, claims=claims)}


def test_bus_mode_claim_is_the_public_sum_of_the_same_accesses(honest):
    trace, pi = honest
    sbi = bus_inputs(pi)
    ch = challenges()
    aux = BUS.build_aux_trace(trace, ch, sbi)
    claim = BUS.bus_claims(trace, aux, ch, sbi)[0]
    assert claim == AIR.public_sum(pi, ch) and not claim.is_zero()
    assert np.array_equal(aux, AIR.build_aux_trace(trace, ch, pi))   # the same sum, closed the same way
    assert find_violations(BUS, trace, sbi, aux, ch, limit=0) == []
    main, aux_deg = BUS.symbolic_degrees()
    assert main == BUS.transition_degrees() and aux_deg == BUS.aux_transition_degrees()
    assert BUS.num_bus_claims == 1 and AIR.num_bus_claims == 0


def test_bus_mode_refuses_a_claim_that_does_not_close_the_sum(honest):
    trace, pi = honest
    sbi = bus_inputs(pi)
    ch = challenges()
    claim = BUS.bus_claims(trace, BUS.build_aux_trace(trace, ch, sbi), ch, sbi)[0]
    assert bus_violations(trace, sbi, claims=[claim + 1]) == {BUS_SUM}
    with pytest.raises(ValueError, match="not bound"):
        BUS.public_sum(sbi, ch)
    assert BUS.public_sum(BUS.bind_claims(sbi, [claim]), ch) == claim and sbi.bus_claim is None


def test_bus_mode_pins_the_number_and_order_of_blocks(scenario, honest):
    trace, pi = honest
    m = len(pi.accesses)
    assert bus_violations(trace, bus_inputs(pi, m + 1)) == {"idx ends at access_count"}
    assert bus_violations(trace, bus_inputs(pi, m - 1)) == {"idx ends at access_count"}
    shifted = trace.copy()
    shifted[:, L.IDX] = (shifted[:, L.IDX] + 1) % P                   # blocks numbered 1 … m
    assert bus_violations(shifted, bus_inputs(pi, m + 1)) == {"idx starts at 0"}
    # a block dropped: the same roots cannot be reached with fewer blocks than announced
    tree, accesses, _ = scenario
    short, spi = state_trace(tree, accesses[:-1])
    assert bus_violations(short, StateBusInputs(spi.prev_root, spi.new_root, m)) == {"idx ends at access_count"}


def test_bus_mode_public_inputs_are_domain_separated(honest):
    _, pi = honest
    sbi = bus_inputs(pi)
    data = BUS.public_inputs_bytes(sbi)
    assert data != AIR.public_inputs_bytes(pi) and data.startswith(b"state-bus-inputs")
    assert BUS.name != AIR.name
    assert BUS.public_inputs_bytes(BUS.bind_claims(sbi, [Ext.one()])) == data      # the claim is absorbed apart
    changed = {BUS.public_inputs_bytes(StateBusInputs((bump(pi.prev_root[0]),) + pi.prev_root[1:], pi.new_root, 11)),
               BUS.public_inputs_bytes(StateBusInputs(pi.prev_root, (bump(pi.new_root[0]),) + pi.new_root[1:], 11)),
               BUS.public_inputs_bytes(bus_inputs(pi, len(pi.accesses) + 1))}
    assert len(changed | {data}) == 4
    with pytest.raises(TypeError):
        BUS.public_inputs_bytes(pi)
    with pytest.raises(ValueError):
        StateBusInputs(pi.prev_root, pi.new_root, 0)


def test_bus_mode_proves_against_a_public_access_list(honest):
    """Alone, the bus-mode table balances only against the verifier's own sum over the public list."""
    from prover.multi_stark import Table, prove_tables
    from verifier.multi_stark import verify_tables

    trace, pi = honest
    sbi = bus_inputs(pi)

    def minus_public(p: StateInputs):
        return lambda ch: -AIR.public_sum(p, ch)

    proof = prove_tables([Table(BUS, trace, sbi)], OPTS, public_sum=minus_public(pi)).to_bytes()
    verify_tables([(BUS, sbi)], proof, public_sum=minus_public(pi), min_security=0)
    acc = list(pi.accesses)
    a = acc[3]
    other = StateInputs(pi.prev_root, pi.new_root, [*acc[:3], AccessRecord(a.key, a.old_value, a.new_value + 1, True),
                                                    *acc[4:]])
    with pytest.raises(VerificationError):
        verify_tables([(BUS, sbi)], proof, public_sum=minus_public(other), min_security=0)
