"""State tree: canonical shape, hashing rules, proofs, update witnesses, and a random model check."""

from __future__ import annotations

import dataclasses
import math
import random

import pytest

from circuits.field import P
from circuits.poseidon2 import compress, hash_elements
from l2.state import keys as K
from l2.state.tree import (
    DOMAIN_LEAF,
    DOMAIN_VALUE,
    ZERO_DIGEST,
    MerkleProof,
    StateTree,
    UpdateWitness,
    digest_hex,
    leaf_hash,
    verify_proof,
    verify_update,
)

ADDR_A = bytes.fromhex("00112233445566778899aabbccddeeff00112233")
ADDR_B = bytes.fromhex("ffeeddccbbaa99887766554433221100ffeeddcc")


def _random_key(rng: random.Random) -> tuple[int, ...]:
    return tuple(rng.randrange(P) for _ in range(8))


def _random_value(rng: random.Random) -> int:
    return rng.choice([1, 2**256 - 1, rng.randrange(1, 2**64), rng.randrange(1, 2**256)])


def _key_with_low_bits(rng: random.Random, low: int, nbits: int) -> tuple[int, ...]:
    """A random key whose first ``nbits`` path bits (low bits of element 0) are ``low``."""
    k0 = (rng.randrange(P >> nbits) << nbits) | low
    return (k0,) + tuple(rng.randrange(P) for _ in range(7))


def _tree(pairs) -> StateTree:
    t = StateTree()
    for k, v in pairs:
        t.set(k, v)
    return t


# -- keys -------------------------------------------------------------------------------------

def test_key_derivation_follows_definition():
    limbs = K.address_limbs(ADDR_A)
    a = int.from_bytes(ADDR_A, "big")
    assert limbs == [(a >> (16 * i)) & 0xFFFF for i in range(10)]
    assert K.account_key(ADDR_A, K.Kind.BALANCE) == hash_elements(limbs + [1], K.DOMAIN_KEY)
    slot = 2**255 + 12345
    assert K.storage_key(ADDR_A, slot) == hash_elements(
        limbs + [3] + [(slot >> (16 * i)) & 0xFFFF for i in range(16)], K.DOMAIN_KEY
    )
    assert K.account_key("0x" + ADDR_A.hex(), K.Kind.NONCE) == K.account_key(ADDR_A, K.Kind.NONCE)


def test_keys_are_distinct():
    keys = [K.account_key(a, kind) for a in (ADDR_A, ADDR_B)
            for kind in (K.Kind.NONCE, K.Kind.BALANCE, K.Kind.CODE_HASH)]
    keys += [K.storage_key(a, s) for a in (ADDR_A, ADDR_B) for s in (0, 1, 2**256 - 1)]
    assert len(set(keys)) == len(keys)
    with pytest.raises(ValueError):
        K.account_key(ADDR_A, K.Kind.STORAGE)
    with pytest.raises(ValueError):
        K.storage_key(ADDR_A, 2**256)
    with pytest.raises(ValueError):
        K.account_key(b"\x01" * 19, K.Kind.NONCE)


def test_key_path_bit_order():
    key = (1, 2, 0, 0, 0, 0, 0, 3)
    path = K.key_path(key)
    assert path == 1 + (2 << 31) + (3 << 217)
    assert [(path >> d) & 1 for d in (0, 1, 31, 32, 33, 217, 218)] == [1, 0, 0, 1, 0, 1, 1]
    assert K.key_path(((P - 1),) * 8).bit_length() <= K.KEY_BITS
    assert K.limbs_to_word(K.word_limbs(2**256 - 2)) == 2**256 - 2


# -- shape and hashes -------------------------------------------------------------------------

def test_empty_tree():
    t = StateTree()
    assert t.root == ZERO_DIGEST and len(t) == 0
    assert t.root_hex == "0x" + "0" * 64
    assert t.get((1,) * 8) == 0
    proof = t.prove((1,) * 8)
    assert proof == MerkleProof((), None, 0)
    assert verify_proof(t.root, (1,) * 8, 0, proof)


def test_hash_rules_by_hand():
    rng = random.Random(1)
    # one leaf: the root is the leaf digest
    k1 = _key_with_low_bits(rng, 0b0000, 4)
    v1 = 7
    vd = hash_elements(K.word_limbs(v1), DOMAIN_VALUE)
    assert leaf_hash(k1, v1) == hash_elements(list(k1) + list(vd), DOMAIN_LEAF)
    t = _tree([(k1, v1)])
    assert t.root == leaf_hash(k1, v1)
    # a second key that agrees on bits 0..2 and differs at bit 3: leaves at depth 4,
    # inner nodes at depths 3, 2, 1, 0 with empty siblings above the split
    k2 = _key_with_low_bits(rng, 0b1000, 4)
    t.set(k2, 9)
    node = compress(leaf_hash(k1, v1), leaf_hash(k2, 9))
    for _ in range(3):
        node = compress(node, ZERO_DIGEST)  # the keys go left (bit 0) at depths 0..2
    assert t.root == node
    assert t.depth_of(k1) == t.depth_of(k2) == 4
    # root_hex: element 0 first, each as 8 big-endian hex digits
    assert t.root_hex == "0x" + "".join(f"{x:08x}" for x in t.root) == digest_hex(t.root)
    assert len(t.root_hex) == 66


def test_leaf_and_value_digests_are_domain_separated():
    key = (5,) * 8
    vd = hash_elements(K.word_limbs(3), DOMAIN_VALUE)
    assert leaf_hash(key, 3) != compress(key, vd)  # a leaf is not an inner node of (key, vd)
    assert leaf_hash(key, 3) != hash_elements(list(key) + list(vd), DOMAIN_VALUE)


def test_insertion_order_independence():
    rng = random.Random(2)
    pairs = [(_random_key(rng), _random_value(rng)) for _ in range(300)]
    # add keys that share long prefixes so the split chains are exercised
    pairs += [(_key_with_low_bits(rng, 0b1011011, 7), _random_value(rng)) for _ in range(5)]
    roots = set()
    for seed in range(3):
        shuffled = pairs[:]
        random.Random(seed).shuffle(shuffled)
        roots.add(_tree(shuffled).root)
    roots.add(StateTree.from_items(pairs).root)
    # building through deletes: insert extra keys, then remove them
    extra = [(_random_key(rng), 5) for _ in range(50)]
    t = _tree(extra + pairs)
    for k, _ in extra:
        t.set(k, 0)
    roots.add(t.root)
    assert len(roots) == 1


def test_delete_restores_root_and_collapses():
    rng = random.Random(3)
    base = [(_random_key(rng), _random_value(rng)) for _ in range(64)]
    t = _tree(base)
    before, depth_before = t.root, sorted(t.leaf_depths())
    k_near = base[0][0]
    # a key sharing the first 12 path bits with an existing key forces a split 12 levels down
    k_new = (k_near[0] ^ (1 << 12),) + k_near[1:]
    assert k_new != k_near and k_new[0] < P
    t.set(k_new, 42)
    assert t.depth_of(k_new) == t.depth_of(k_near) >= 13
    t.set(k_new, 0)
    assert t.root == before and sorted(t.leaf_depths()) == depth_before
    # deleting every key returns to the empty root
    for k, _ in base:
        t.set(k, 0)
    assert t.root == ZERO_DIGEST and len(t) == 0 and t.leaf_depths() == []


def test_from_items_last_write_wins_and_zero_is_absent():
    rng = random.Random(11)
    k1, k2, k3 = (_random_key(rng) for _ in range(3))
    t = StateTree.from_items([(k1, 5), (k2, 6), (k1, 7), (k3, 0), (k2, 0)])
    assert dict(t.items()) == {k1: 7} and len(t) == 1
    assert t.root == _tree([(k1, 7)]).root == leaf_hash(k1, 7)
    assert StateTree.from_items([]).root == ZERO_DIGEST


def test_deepest_possible_split():
    # Two keys equal except the top bit of element 7: their paths first differ at bit 247, so
    # both leaves sit at depth 248 below a chain of 247 single-child inner nodes.
    rng = random.Random(12)
    base = _random_key(rng)
    k1 = base[:7] + (base[7] & ~(1 << 30),)
    k2 = base[:7] + (base[7] | (1 << 30),)
    assert k2[7] < P
    other = _random_key(rng)
    t = _tree([(other, 1), (k1, 2)])
    before = t.root
    t.set(k2, 3)
    assert t.depth_of(k1) == t.depth_of(k2) == K.KEY_BITS
    assert t.root == StateTree.from_items([(k2, 3), (other, 1), (k1, 2)]).root
    for k, v in ((k1, 2), (k2, 3)):
        proof = t.prove(k)
        assert len(proof.siblings) == K.KEY_BITS
        assert verify_proof(t.root, k, v, proof)
    w = t.update(k2, 0)
    assert verify_update(w) and t.root == before


def test_copy_is_independent():
    rng = random.Random(4)
    t = _tree([(_random_key(rng), 3) for _ in range(40)])
    root = t.root
    c = t.copy()
    k = _random_key(rng)
    c.set(k, 11)
    assert c.get(k) == 11 and t.get(k) == 0
    assert t.root == root and c.root != root and len(c) == len(t) + 1
    # hashing a shared-but-unhashed tree from either side gives the same digests
    t2 = _tree([(_random_key(rng), 3) for _ in range(40)])
    c2 = t2.copy()
    assert c2.root == t2.root


def test_values_and_keys_validated():
    t = StateTree()
    with pytest.raises(ValueError):
        t.set((1,) * 8, -1)
    with pytest.raises(ValueError):
        t.set((1,) * 8, 2**256)
    with pytest.raises(ValueError):
        t.set((P,) + (0,) * 7, 1)
    with pytest.raises(ValueError):
        t.get((1,) * 7)


def test_account_helpers():
    t = StateTree()
    code_hash = bytes(range(32))
    t.set_account(ADDR_A, nonce=3, balance=10**18, code_hash=code_hash)
    t.set_storage(ADDR_A, 7, 2**200)
    assert t.get_account(ADDR_A) == (3, 10**18, code_hash)
    assert t.get(K.account_key(ADDR_A, K.Kind.BALANCE)) == 10**18
    assert t.get_storage(ADDR_A, 7) == 2**200 and t.get_storage(ADDR_A, 8) == 0
    assert t.get_account(ADDR_B) == (0, 0, bytes(32))
    assert len(t) == 4
    with pytest.raises(ValueError):
        t.set_account(ADDR_A, 0, 0, b"\x00" * 31)


# -- proofs -----------------------------------------------------------------------------------

def _proof_tree(seed: int = 5, n: int = 200):
    rng = random.Random(seed)
    pairs = [(_random_key(rng), _random_value(rng)) for _ in range(n)]
    return rng, pairs, StateTree.from_items(pairs)


def test_membership_and_absence_proofs_verify():
    rng, pairs, t = _proof_tree()
    root = t.root
    for k, v in pairs[:40]:
        proof = t.prove(k)
        assert proof.leaf_key == k and proof.leaf_value == v
        assert verify_proof(root, k, v, proof)
        assert not verify_proof(root, k, 0, proof)
        assert not verify_proof(root, k, v + 1, proof)
    kinds = set()
    for _ in range(200):
        k = _random_key(rng)
        proof = t.prove(k)
        kinds.add(proof.leaf_key is None)
        assert verify_proof(root, k, 0, proof)
        assert not verify_proof(root, k, 1, proof)
    assert kinds == {True, False}  # both absence shapes (empty slot, other leaf) occurred


def _tampered_proofs(proof: MerkleProof):
    sib = list(proof.siblings)
    for d in (0, len(sib) // 2, len(sib) - 1):
        bad = list(sib[d])
        bad[3] = (bad[3] + 1) % P
        yield dataclasses.replace(proof, siblings=tuple(sib[:d] + [tuple(bad)] + sib[d + 1:]))
    yield dataclasses.replace(proof, siblings=tuple(sib[:-1]))
    yield dataclasses.replace(proof, siblings=tuple(sib + [ZERO_DIGEST]))
    yield dataclasses.replace(proof, siblings=tuple(reversed(sib)))
    if proof.leaf_key is not None:
        yield dataclasses.replace(proof, leaf_value=proof.leaf_value ^ 1)
        other = list(proof.leaf_key)
        other[7] = (other[7] + 1) % P
        yield dataclasses.replace(proof, leaf_key=tuple(other))
        yield dataclasses.replace(proof, leaf_key=None, leaf_value=0)
    yield dataclasses.replace(proof, siblings=tuple(sib[:-1]) + ((P,) * 8,))  # non-canonical


def test_tampered_proofs_rejected():
    rng, pairs, t = _proof_tree()
    root = t.root
    k, v = pairs[3]
    proof = t.prove(k)
    assert verify_proof(root, k, v, proof)
    for bad in _tampered_proofs(proof):
        assert not verify_proof(root, k, v, bad)
    # wrong root, wrong key, wrong value
    wrong_root = (root[0] ^ 1,) + root[1:]
    assert not verify_proof(wrong_root, k, v, proof)
    assert not verify_proof(root, pairs[4][0], v, proof)
    assert not verify_proof(root, k, v - 1 if v > 1 else 2, proof)
    # absence proofs of both shapes
    seen = set()
    while len(seen) < 2:
        ka = _random_key(rng)
        pa = t.prove(ka)
        shape = pa.leaf_key is None
        if shape in seen:
            continue
        seen.add(shape)
        assert verify_proof(root, ka, 0, pa)
        for bad in _tampered_proofs(pa):
            assert not verify_proof(root, ka, 0, bad)
        assert not verify_proof(wrong_root, ka, 0, pa)
        # the absence witness does not prove absence of the key stored in that leaf
        if pa.leaf_key is not None:
            assert not verify_proof(root, pa.leaf_key, 0, pa)
    # a membership proof cannot be replayed for a different key that shares its path prefix
    assert not verify_proof(root, _random_key(rng), 0, proof)
    # malformed input answers False rather than raising
    assert not verify_proof(root, k, v, "not a proof")
    assert not verify_proof((1, 2), k, v, proof)
    assert not verify_proof(root, (1, 2, 3), v, proof)
    assert not verify_proof(root, k, -5, proof)


# -- update witnesses -------------------------------------------------------------------------

def test_update_witnesses_cover_every_case():
    rng = random.Random(6)
    t = StateTree.from_items([(_random_key(rng), _random_value(rng)) for _ in range(100)])
    k_far = _random_key(rng)
    cases = []
    cases.append(t.update(k_far, 5))                 # insert (empty slot or split)
    cases.append(t.update(k_far, 6))                 # value change
    near = next(iter(t.items()))[0]
    k_near = ((near[0] ^ (1 << 9)) if (near[0] ^ (1 << 9)) < P else near[0] ^ (1 << 8),) + near[1:]
    cases.append(t.update(k_near, 8))                # insert beside a leaf: split 9+ levels down
    cases.append(t.update(k_near, 0))                # delete with collapse
    cases.append(t.update(k_far, 0))                 # delete
    cases.append(t.update(k_far, 0))                 # delete of an absent key (no change)
    assert len(cases[2].new_proof.siblings) > len(cases[2].old_proof.siblings)
    assert len(cases[3].old_proof.siblings) > len(cases[3].new_proof.siblings)
    assert cases[5].old_root == cases[5].new_root
    for w in cases:
        assert verify_update(w), w
    # the chain of roots is continuous
    for a, b in zip(cases, cases[1:]):
        assert a.new_root == b.old_root
    assert cases[-1].new_root == t.root


def test_tampered_update_witness_rejected():
    rng = random.Random(7)
    t = StateTree.from_items([(_random_key(rng), _random_value(rng)) for _ in range(100)])
    near = next(iter(t.items()))[0]
    k_near = ((near[0] ^ (1 << 5)) if (near[0] ^ (1 << 5)) < P else near[0] ^ (1 << 4),) + near[1:]
    w = t.update(k_near, 3)
    assert verify_update(w)
    other = StateTree.from_items([(_random_key(rng), 1)])
    bad = [
        dataclasses.replace(w, new_root=other.root),
        dataclasses.replace(w, new_value=4),
        dataclasses.replace(w, old_value=3),
        dataclasses.replace(w, old_proof=w.new_proof, new_proof=w.old_proof),
        dataclasses.replace(w, key=near),
    ]
    # a new proof whose shared siblings differ claims a change elsewhere in the tree
    sib = list(w.new_proof.siblings)
    sib[0] = tuple((x + 1) % P for x in sib[0])
    forged = dataclasses.replace(w.new_proof, siblings=tuple(sib))
    bad.append(dataclasses.replace(w, new_proof=forged, new_root=_fold(k_near, forged)))
    for b in bad:
        assert not verify_update(b)


def _fold(key, proof: MerkleProof):
    node = proof.terminal_digest()
    path = K.key_path(key)
    for d in range(len(proof.siblings) - 1, -1, -1):
        s = proof.siblings[d]
        node = compress(s, node) if (path >> d) & 1 else compress(node, s)
    return node


def test_update_witness_rejects_swapping_the_leaf_in_place():
    # Same depth, old ends at key's leaf, new ends at another key's leaf: not one write.
    rng = random.Random(8)
    k1 = _key_with_low_bits(rng, 0b01, 2)
    k2 = _key_with_low_bits(rng, 0b11, 2)
    k3 = _key_with_low_bits(rng, 0b00, 2)
    t = _tree([(k1, 1), (k3, 3)])
    w = t.update(k1, 0)
    assert verify_update(w)
    forged_tree = _tree([(k2, 2), (k3, 3)])
    forged = dataclasses.replace(w, new_root=forged_tree.root, new_proof=forged_tree.prove(k1))
    assert verify_proof(forged.new_root, k1, 0, forged.new_proof)
    assert not verify_update(forged)


# -- model check ------------------------------------------------------------------------------

def test_random_operations_match_dict_model_and_rebuild():
    rng = random.Random(9)
    t = StateTree()
    model: dict[tuple[int, ...], int] = {}
    pool = [_random_key(rng) for _ in range(120)]
    pool += [_key_with_low_bits(rng, 0b110101, 6) for _ in range(8)]  # deep splits
    for step in range(500):
        k = rng.choice(pool)
        v = 0 if rng.random() < 0.3 else _random_value(rng)
        if step % 50 == 0:
            w = t.update(k, v)
            assert verify_update(w)
        else:
            t.set(k, v)
        if v:
            model[k] = v
        else:
            model.pop(k, None)
        if step % 25 == 24:
            assert len(t) == len(model)
            assert dict(t.items()) == model
            for key in pool:
                assert t.get(key) == model.get(key, 0)
            rebuilt = StateTree.from_items(sorted(model.items()))
            assert t.root == rebuilt.root
            probe = rng.choice(pool)
            assert verify_proof(t.root, probe, model.get(probe, 0), t.prove(probe))


def test_path_length_is_logarithmic():
    rng = random.Random(10)
    for n in (256, 4096):
        t = StateTree.from_items([(_random_key(rng), 1) for _ in range(n)])
        depths = t.leaf_depths()
        assert len(depths) == n
        mean = sum(depths) / n
        # a leaf at the shortest unique prefix of random keys sits at mean depth
        # ≈ log2(n) + γ/ln 2 + 1/2 ≈ log2(n) + 1.33 (the trie depth), far below the 248 key bits
        assert abs(mean - (math.log2(n) + 1.33)) < 0.6, mean
        assert max(depths) < 2 * math.log2(n) + 4
        proof = t.prove(_random_key(rng))
        assert len(proof.siblings) < 2 * math.log2(n) + 4


def test_update_witness_dataclass_is_frozen():
    t = StateTree()
    w = t.update((1,) * 8, 1)
    assert isinstance(w, UpdateWitness)
    with pytest.raises(dataclasses.FrozenInstanceError):
        w.new_value = 2  # type: ignore[misc]
    assert w.old_root == ZERO_DIGEST and w.new_root == t.root
