"""What verifying a multi-table proof does, counted in the units of the STARK verifier cost model.

The L1 rollup contract runs the real verifier (in Python) and charges gas for the work an EVM verifier
would do on the same proof, counted from the proof's own shape:

* Merkle work: every sibling digest the proof carries is one node hash recomputed (batched
  openings share nodes, so this is exact for our format); every opened row is one leaf hash of its
  bytes (trace, auxiliary and composition rows per query, and each FRI layer's opened leaves).
* FRI: one fold per query per layer, plus the remainder polynomial evaluated at each query
  (Horner: one extension multiply-add per coefficient).
* Constraints at the out-of-domain point: each transition constraint is counted as 4 extension
  multiplications and 4 additions (its own product terms and its random coefficient), each
  assertion as 1 multiplication and 2 additions, plus one inversion per divisor.  This is an
  estimate: the real count depends on how each constraint is written.
* DEEP quotients: per query, one extension × base product and one addition per committed column at
  z and at z·ω, and two inversions.
* Transcript: one hash per absorbed commitment and two per drawn extension element.
"""

from __future__ import annotations

from typing import Any, Sequence

from verifier.l1.gas import StarkVerifierWork
from verifier.multi_proof import MultiProof


def proof_work(airs: Sequence[Any], proof: MultiProof | bytes) -> StarkVerifierWork:
    """Count the verifier's work for ``proof`` of the tables ``airs`` (in proof order)."""
    if not isinstance(proof, MultiProof):
        proof = MultiProof.from_bytes(proof)
    w = dict(merkle_hashes=0, leaf_hashes=0, leaf_bytes=0, fri_folds=0, ext_muls=0, ext_adds=0,
             ext_base_muls=0, ext_inversions=0, transcript_hashes=0, transcript_bytes=0)
    for air, sub in zip(airs, proof.proofs):
        q = len(sub.positions)
        width, aux, chunks = sub.main_rows.shape[1], sub.aux_rows.shape[1], sub.comp_rows.shape[1]
        w["merkle_hashes"] += len(sub.main_siblings) + len(sub.aux_siblings) + len(sub.comp_siblings)
        w["leaf_hashes"] += q * (2 + (1 if aux else 0))
        w["leaf_bytes"] += q * 4 * (width + aux + chunks)
        for layer in sub.fri_layers:
            w["merkle_hashes"] += len(layer.siblings)
            w["leaf_hashes"] += layer.values.shape[0]
            w["leaf_bytes"] += layer.values.size * 4
        layers = len(sub.fri_layers)
        w["fri_folds"] += q * layers
        w["ext_muls"] += q * len(sub.fri_remainder)
        w["ext_adds"] += q * len(sub.fri_remainder)
        constraints = len(air.transition_degrees()) + len(air.aux_transition_degrees())
        w["ext_muls"] += 4 * constraints + sub.ood_main.shape[1] + sub.ood_aux.shape[1]
        w["ext_adds"] += 4 * constraints
        w["ext_inversions"] += 3
        committed = width + aux // 5 + chunks // 5
        w["ext_base_muls"] += q * 2 * committed
        w["ext_adds"] += q * (2 * committed + 4)
        w["ext_inversions"] += 2 * q
        draws = constraints + 2 * committed + layers + 2
        w["transcript_hashes"] += 2 * draws + 4 + layers
        w["transcript_bytes"] += 64 * (2 * draws + 4 + layers)
    return StarkVerifierWork(**w)
