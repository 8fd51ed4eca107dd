"""Merkle paths of the state tree in the trace: memberships and chains of updates.

Honest proofs come from a real :class:`~l2.state.tree.StateTree` (membership, absence through an
empty slot, value changes, an insert into an empty slot, a delete that keeps the shape).  Every
main constraint gets a mutation that it alone catches and that the verifier refuses; attacks the
statement is about — a wrong sibling, a wrong direction bit, a wrong leaf or root, siblings that
differ between the old and the new path, a chain whose roots do not connect, a shape-changing
update passed off as a same-shape one — are refused, and so is every changed public input.
"""

from __future__ import annotations

import numpy as np
import pytest

from circuits import field as F
from circuits.air import find_violations
from circuits.merkle_air import (
    P_BIT,
    P_CONT,
    P_IDX,
    P_MULT,
    P_NODE,
    U_CONT,
    U_IDX,
    U_NEW,
    U_NEW_NODE,
    U_OLD,
    U_OLD_NODE,
    U_ROOT,
    LeafUpdate,
    MerklePathAir,
    MerkleUpdateAir,
    MerkleUpdateInputs,
    PathClaim,
    key_path_bits,
    merkle_path_trace,
    merkle_update_trace,
)
from circuits.poseidon2 import compress
from circuits.poseidon2_air import GROUP_WIDTH, OUTPUT_OFFSET, ROUND_OFFSETS, group_witness
from l2.state.keys import Kind, account_key, key_path, storage_key
from l2.state.tree import StateTree, UpdateWitness, verify_update
from prover.stark import prove
from verifier.errors import VerificationError
from verifier.proof import ProofOptions
from verifier.stark import verify

P = F.P
OPTS = ProofOptions(blowup=8, num_queries=20, grinding_bits=2, fri_remainder_log=2)


def account(i: int):
    return account_key(i.to_bytes(20, "big"), Kind.BALANCE)


@pytest.fixture(scope="module")
def tree() -> StateTree:
    return StateTree.from_items([(account(i), i + 1) for i in range(1, 301)])


def claim_of(tree: StateTree, key) -> tuple[PathClaim, np.ndarray]:
    proof = tree.prove(key)
    sib = np.array(proof.siblings, dtype=np.uint64).reshape(-1, 8)
    return PathClaim.for_key(tree.root, proof.terminal_digest(), key, proof.depth), sib


def update_of(w: UpdateWitness) -> tuple[LeafUpdate, np.ndarray]:
    """A same-shape tree write as a circuit update (the shared siblings are private)."""
    if w.old_proof.siblings != w.new_proof.siblings:
        raise ValueError("the write changes the tree's shape")
    up = LeafUpdate.for_key(w.key, w.old_proof.depth, w.old_proof.terminal_digest(), w.new_proof.terminal_digest())
    return up, np.array(w.old_proof.siblings, dtype=np.uint64).reshape(-1, 8)


def only_fails(air, trace, pi, names):
    got = {v.name for v in find_violations(air, trace, pi, limit=0)}
    assert got == set(names), got


def refused(air, trace, pi):
    proof = prove(air, trace, pi, OPTS, check=False)
    with pytest.raises(VerificationError):
        verify(air, proof.to_bytes(), pi, min_security=0)


def bump(x, by: int = 1) -> int:
    return (int(x) + by) % P


def test_key_path_bits_follow_the_state_tree_keys():
    for i in range(20):
        key = storage_key(b"\x01" * 20, i)
        assert key_path_bits(key, 248) == tuple((key_path(key) >> d) & 1 for d in range(248))
    with pytest.raises(ValueError):
        PathClaim((0,) * 8, (0,) * 8, ())          # a path has at least one level
    with pytest.raises(ValueError):
        PathClaim((0,) * 8, (0,) * 8, (0, 2))      # bits are 0 or 1
    with pytest.raises(ValueError):
        PathClaim((P,) + (0,) * 7, (0,) * 8, (1,))  # digests are canonical


def test_declared_degrees_equal_symbolic_degrees():
    for air in (MerklePathAir(), MerkleUpdateAir()):
        main, aux = air.symbolic_degrees()
        assert main == air.transition_degrees()
        assert aux == air.aux_transition_degrees()
        assert max(main + aux) == 3
        assert len(set(air.transition_names())) == len(main)


# ---- membership -----------------------------------------------------------------------------------

def test_real_state_tree_paths_prove_and_verify(tree):
    keys = [account(3), account(150), account(299), storage_key(b"\x07" * 20, 2)]  # the last is absent
    claims, sibs = zip(*(claim_of(tree, k) for k in keys))
    assert tree.prove(keys[-1]).leaf_key is None and claims[-1].leaf == (0,) * 8
    air = MerklePathAir()
    trace, pi = merkle_path_trace(claims, sibs)
    verify(air, prove(air, trace, pi, OPTS).to_bytes(), pi, min_security=0)
    # a single path, and paths under different roots in one proof
    other = StateTree.from_items([(account(i), 7 * i) for i in range(1, 40)])
    c1, s1 = claim_of(other, account(5))
    trace, pi = merkle_path_trace([claims[0], c1], [sibs[0], s1])
    verify(air, prove(air, trace, pi, OPTS).to_bytes(), pi, min_security=0)


@pytest.fixture(scope="module")
def path_case(tree):
    claims, sibs = zip(*(claim_of(tree, account(i)) for i in (17, 200)))
    trace, pi = merkle_path_trace(claims, sibs)
    assert pi.rows <= trace.shape[0] - 4  # room for padding-row mutations
    return trace, pi, list(claims), list(sibs)


def _path_mutations(case):
    trace, pi, _, _ = case
    n = trace.shape[0]
    # a Poseidon2 row of the path tampered: cube → −cube leaves x·cube² and so the rest intact
    t = trace.copy()
    col = ROUND_OFFSETS[1] + 5
    t[2, col] = (P - int(t[2, col])) % P
    yield "round 1 cube[5] = x^3", t
    # node = select(bit, left, right), on a padding row
    for j in (0, 7):
        t = trace.copy()
        t[n - 2, P_NODE + j] = 5
        yield f"node[{j}] = select(bit, left, right)[{j}]", t
    # cont·(node' − parent): padding row n−3 claims to continue into a row whose node differs in one element
    for j in (0, 6):
        t = trace.copy()
        t[n - 3, P_CONT] = 1
        left = t[n - 3, OUTPUT_OFFSET:OUTPUT_OFFSET + 8].copy()
        left[j] = bump(left[j])
        t[n - 2, :GROUP_WIDTH] = group_witness(np.concatenate([left, np.zeros(8, np.uint64)])[None])[0]
        t[n - 2, P_NODE:P_NODE + 8] = left
        yield f"cont·(node'[{j}] − parent[{j}]) = 0", t
    t = trace.copy()
    t[n - 1, P_IDX] = bump(t[n - 1, P_IDX])
    yield "idx' = idx + 1", t


def test_every_path_constraint_has_a_mutation_it_alone_catches(path_case):
    air = MerklePathAir()
    _, pi, _, _ = path_case
    for name, bad in _path_mutations(path_case):
        only_fails(air, bad, pi, [name])
        refused(air, bad, pi)


def test_path_attacks_are_refused(path_case, tree):
    air = MerklePathAir()
    trace, pi, claims, sibs = path_case
    # a wrong sibling: the rows hash correctly but reach another root
    bad_sibs = [s.copy() for s in sibs]
    bad_sibs[0][2, 3] = bump(bad_sibs[0][2, 3])
    forged, _ = merkle_path_trace(claims, bad_sibs)
    assert find_violations(air, forged, pi) == []  # only the bus can tell
    refused(air, forged, pi)
    # a wrong direction bit: the path folds the other way at depth 1
    flipped = list(claims)
    bits = list(claims[1].bits)
    bits[1] ^= 1
    flipped[1] = PathClaim(claims[1].root, claims[1].leaf, tuple(bits))
    forged, _ = merkle_path_trace(flipped, sibs)
    refused(air, forged, pi)
    # the public leaf or root differs from the rows'
    for wrong in (PathClaim(claims[0].root, (bump(claims[0].leaf[0]),) + claims[0].leaf[1:], claims[0].bits),
                  PathClaim((bump(claims[0].root[7]),) + claims[0].root[1:], claims[0].leaf, claims[0].bits),
                  PathClaim(claims[0].root, claims[0].leaf, claims[0].bits[:-1])):
        lie = type(pi)((wrong, claims[1]))
        refused(air, trace, lie)
    # forged bus columns: a path row left off the bus, a padding row put on it, a chain cut short
    for col, row, value in [(P_MULT, 3, 0), (P_MULT, trace.shape[0] - 2, 1), (P_CONT, 4, 0), (P_BIT, 0, 2)]:
        bad = trace.copy()
        bad[row, col] = value
        if col == P_BIT:  # keep node = select(bit, …) true so only the bus sees the bad bit
            left, right = bad[row, :8].astype(object), bad[row, 8:16].astype(object)
            bad[row, P_NODE:P_NODE + 8] = [(a + 2 * (b - a)) % P for a, b in zip(left, right)]
        assert find_violations(air, bad, pi) == []  # every main constraint still holds
        refused(air, bad, pi)


def test_changed_path_public_inputs_fail(path_case):
    air = MerklePathAir()
    trace, pi, claims, _ = path_case
    proof = prove(air, trace, pi, OPTS).to_bytes()
    verify(air, proof, pi, min_security=0)
    c = claims[0]
    bits = list(c.bits)
    bits[0] ^= 1
    for wrong in (PathClaim((bump(c.root[0]),) + c.root[1:], c.leaf, c.bits),
                  PathClaim(c.root, c.leaf[:7] + (bump(c.leaf[7]),), c.bits),
                  PathClaim(c.root, c.leaf, tuple(bits))):
        with pytest.raises(VerificationError):
            verify(air, proof, type(pi)((wrong, claims[1])), min_security=0)
    with pytest.raises(VerificationError):
        verify(air, proof, type(pi)((claims[1], claims[0])), min_security=0)


# ---- chains of updates ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chain(tree):
    """Five same-shape writes in a row: value changes (one key twice), an insert into an empty
    slot, a delete whose slot stays because its sibling is an inner node."""
    empty = next(k for k in (storage_key(b"\x07" * 20, s) for s in range(100)) if tree.prove(k).leaf_key is None)
    def keeps_shape(key) -> bool:
        w = tree.copy().update(key, 0)
        return len(w.old_proof.siblings) == len(w.new_proof.siblings)

    keep = next(account(i) for i in range(1, 301) if keeps_shape(account(i)))
    work = tree.copy()
    writes = [(account(17), 5), (account(200), 2**255 + 3), (empty, 9), (account(17), 6), (keep, 0)]
    witnesses = [work.update(k, v) for k, v in writes]
    assert all(verify_update(w) for w in witnesses)
    ups, sibs = zip(*(update_of(w) for w in witnesses))
    pi = MerkleUpdateInputs(tree.root, work.root, ups)
    return pi, list(sibs), witnesses


def test_real_update_chains_prove_and_verify(chain):
    pi, sibs, witnesses = chain
    assert witnesses[2].old_proof.leaf_key is None and witnesses[4].new_proof.leaf_key is None
    air = MerkleUpdateAir()
    trace = merkle_update_trace(pi, sibs)
    verify(air, prove(air, trace, pi, OPTS).to_bytes(), pi, min_security=0)
    one = MerkleUpdateInputs(pi.old_root, witnesses[0].new_root, pi.updates[:1])
    verify(air, prove(air, merkle_update_trace(one, sibs[:1]), one, OPTS), one, min_security=0)


@pytest.fixture(scope="module")
def update_case(chain):
    pi, sibs, _ = chain
    short = MerkleUpdateInputs(pi.old_root, chain[2][1].new_root, pi.updates[:2])
    trace = merkle_update_trace(short, sibs[:2])
    assert short.rows <= trace.shape[0] - 4
    return trace, short, sibs[:2]


def _with_roots(pi, old=None, new=None):
    return MerkleUpdateInputs(old or pi.old_root, new or pi.new_root, pi.updates)


def _update_mutations(case):
    trace, pi, _ = case
    n = trace.shape[0]
    d0 = pi.updates[0].depth
    for group, tag in ((U_OLD, "old: "), (U_NEW, "new: ")):
        t = trace.copy()
        col = group.offset + ROUND_OFFSETS[18] + 9
        t[1, col] = (P - int(t[1, col])) % P
        yield pi, f"{tag}round 18 cube[9] = x^3", t
    # node and the right half both move by 11 on a padding row (bit 0): the sibling left + right −
    # node is kept, only node = left breaks
    for group, node, tag in ((U_OLD, U_OLD_NODE, "old"), (U_NEW, U_NEW_NODE, "new")):
        t = trace.copy()
        state = np.zeros(16, np.uint64)
        state[8 + 3] = 11
        t[n - 2, group.offset:group.offset + GROUP_WIDTH] = group_witness(state[None])[0]
        t[n - 2, node + 3] = 11
        yield pi, f"{tag} node[3] = select(bit, left, right)[3]", t
    # the two paths hash different siblings (padding row: new group's right half changed)
    t = trace.copy()
    state = np.zeros(16, np.uint64)
    state[8 + 4] = 1
    t[n - 2, U_NEW.offset:U_NEW.offset + GROUP_WIDTH] = group_witness(state[None])[0]
    yield pi, "old sibling[4] = new sibling[4]", t
    # the register disagrees with the old path's root: R (and the public old root) off in one element
    t = trace.copy()
    t[:d0, U_ROOT + 2] = bump(t[0, U_ROOT + 2])
    old = pi.old_root[:2] + (int(t[0, U_ROOT + 2]),) + pi.old_root[3:]
    yield _with_roots(pi, old=old), "end·(old root[2] − R[2]) = 0", t
    # a padding row claims to continue into the next: one path chains, the other is off by one element
    for which in ("old", "new"):
        t = trace.copy()
        t[n - 3, U_CONT] = 1
        for group, node in ((U_OLD, U_OLD_NODE), (U_NEW, U_NEW_NODE)):
            left = t[n - 3, group.offset + OUTPUT_OFFSET:group.offset + OUTPUT_OFFSET + 8].copy()
            if group.prefix.startswith(which):
                left[6] = bump(left[6])
            t[n - 2, group.offset:group.offset + GROUP_WIDTH] = \
                group_witness(np.concatenate([left, np.zeros(8, np.uint64)])[None])[0]
            t[n - 2, node:node + 8] = left
        yield pi, f"cont·({which} node'[6] − {which} parent[6]) = 0", t
    # the register moves on a row that is no update's end (and the public new root follows it)
    t = trace.copy()
    t[n - 1, U_ROOT + 5] = bump(t[n - 1, U_ROOT + 5])
    new = pi.new_root[:5] + (int(t[n - 1, U_ROOT + 5]),) + pi.new_root[6:]
    yield _with_roots(pi, new=new), "R'[5] = R[5] + end·(new root[5] − R[5])", t
    t = trace.copy()
    t[n - 1, U_IDX] = bump(t[n - 1, U_IDX])
    yield pi, "idx' = idx + 1", t
    # boundary: the public roots differ from the register's ends
    yield _with_roots(pi, old=(bump(pi.old_root[0]),) + pi.old_root[1:]), "R[0] starts at old_root", trace
    yield _with_roots(pi, new=pi.new_root[:7] + (bump(pi.new_root[7]),)), "R[7] ends at new_root", trace


@pytest.mark.slow
def test_every_update_constraint_has_a_mutation_it_alone_catches(update_case):
    air = MerkleUpdateAir()
    for pi, name, bad in _update_mutations(update_case):
        only_fails(air, bad, pi, [name])
        refused(air, bad, pi)


def test_update_attacks_are_refused(tree, update_case):
    air = MerkleUpdateAir()
    trace, pi, sibs = update_case
    # chained roots that do not connect: the second write is witnessed against the original tree
    a, b = tree.copy(), tree.copy()
    w0 = a.update(account(17), 5)
    w1 = b.update(account(200), 77)          # applied to the tree *before* w0
    ups, s = zip(update_of(w0), update_of(w1))
    lie = MerkleUpdateInputs(tree.root, w1.new_root, ups)
    forged = merkle_update_trace(lie, list(s))
    names = {v.name for v in find_violations(air, forged, lie, limit=0)}
    assert names and all(nm.startswith("end·(old root") for nm in names), names
    refused(air, forged, lie)
    # a wrong sibling shared by both paths: the old path no longer reaches R
    bad_sibs = [x.copy() for x in sibs]
    bad_sibs[1][0, 0] = bump(bad_sibs[1][0, 0])
    refused(air, merkle_update_trace(pi, bad_sibs), pi)
    # a public leaf or bit that differs from the rows'
    u = pi.updates[0]
    for wrong in (LeafUpdate(u.bits, (bump(u.old_leaf[0]),) + u.old_leaf[1:], u.new_leaf),
                  LeafUpdate(u.bits, u.old_leaf, u.new_leaf[:3] + (bump(u.new_leaf[3]),) + u.new_leaf[4:]),
                  LeafUpdate((u.bits[0] ^ 1,) + u.bits[1:], u.old_leaf, u.new_leaf)):
        refused(air, trace, MerkleUpdateInputs(pi.old_root, pi.new_root, (wrong, pi.updates[1])))


def test_sibling_check_alone_catches_a_second_leaf_changed_on_the_quiet(tree):
    """One update whose new path hashes a different sibling than its old path: every other
    constraint holds (the public new root is the forged path's root)."""
    air = MerkleUpdateAir()
    w = tree.copy().update(account(42), 4242)
    up, sib = update_of(w)
    honest = MerkleUpdateInputs(w.old_root, w.new_root, (up,))
    other = sib.copy()
    other[2, 5] = bump(other[2, 5])
    forged_new = merkle_update_trace(MerkleUpdateInputs(w.old_root, w.new_root, (up,)), [other])
    trace = merkle_update_trace(honest, [sib])
    cols = list(range(U_NEW.offset, U_NEW.offset + GROUP_WIDTH)) + list(range(U_NEW_NODE, U_NEW_NODE + 8))
    trace[:, cols] = forged_new[:, cols]
    d = up.depth
    fake_root = tuple(int(x) for x in trace[d - 1, U_NEW.offset + OUTPUT_OFFSET:U_NEW.offset + OUTPUT_OFFSET + 8])
    trace[d:, U_ROOT:U_ROOT + 8] = fake_root
    lie = MerkleUpdateInputs(w.old_root, fake_root, (up,))
    only_fails(air, trace, lie, ["old sibling[5] = new sibling[5]"])
    refused(air, trace, lie)


def test_shape_changing_writes_cannot_pass_as_same_shape(tree):
    """An insert that splits a leaf has a longer new path; claimed as an in-place change over the
    old siblings it reaches a root other than the tree's, and the proof is refused."""
    work = tree.copy()
    key = next(k for k in (storage_key(b"\x09" * 20, s) for s in range(100)) if tree.prove(k).leaf_key is not None)
    w = work.update(key, 1234)
    assert len(w.new_proof.siblings) > len(w.old_proof.siblings)
    with pytest.raises(ValueError):
        update_of(w)
    up = LeafUpdate.for_key(key, w.old_proof.depth, w.old_proof.terminal_digest(), w.new_proof.terminal_digest())
    lie = MerkleUpdateInputs(w.old_root, w.new_root, (up,))
    trace = merkle_update_trace(lie, [np.array(w.old_proof.siblings, dtype=np.uint64)])
    refused(MerkleUpdateAir(), trace, lie)


def test_changed_update_public_inputs_fail(update_case):
    air = MerkleUpdateAir()
    trace, pi, _ = update_case
    proof = prove(air, trace, pi, OPTS).to_bytes()
    verify(air, proof, pi, min_security=0)
    u = pi.updates[1]
    for lie in (_with_roots(pi, old=(bump(pi.old_root[3]),) + pi.old_root[1:]),
                _with_roots(pi, new=pi.new_root[:1] + (bump(pi.new_root[1]),) + pi.new_root[2:]),
                MerkleUpdateInputs(pi.old_root, pi.new_root,
                                   (pi.updates[0], LeafUpdate(u.bits, u.new_leaf, u.old_leaf))),
                MerkleUpdateInputs(pi.old_root, pi.new_root, pi.updates[::-1]),
                MerkleUpdateInputs(pi.old_root, pi.new_root, pi.updates[:1])):
        with pytest.raises(VerificationError):
            verify(air, proof, lie, min_security=0)


def test_compress_is_the_tree_inner_hash(tree):
    """The groups hash inner nodes exactly as the tree does: parent = compress(left, right)."""
    claim, sib = claim_of(tree, account(9))
    trace, _ = merkle_path_trace([claim], [sib])
    d = claim.depth
    row = trace[d - 1]
    assert tuple(int(x) for x in row[OUTPUT_OFFSET:OUTPUT_OFFSET + 8]) == claim.root
    assert compress(row[:8].tolist(), row[8:16].tolist()) == claim.root
