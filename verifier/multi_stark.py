"""Verification of several AIR tables proven together on one transcript, linked by LogUp buses.

The protocol is documented in :mod:`prover.multi_stark`; this module is its specification from the
verifier's side.  In short:

 1. Transcript ← "l2-stark-multi" | statement | table count | per table: AIR name, AIR parameters,
    trace length, public inputs | proof options.
 2. Absorb every table's main-trace root, in table order.
 3. Draw the shared challenges once (the most any table with auxiliary columns asks for); each table
    gets a prefix of that list.  Per table with auxiliary columns: absorb its auxiliary root and its
    bus claims.
 4. Check the bus balance: Σ_tables Σ claims + public_sum(challenges) = 0.
 5. Per table, in order: absorb the table index, then steps 4-9 of the single-table protocol
    (:func:`verifier.stark.verify_after_aux`), each with its own composition, DEEP, FRI, proof of work
    and queries, continuing the same transcript.

Security is that of the weakest table.  Tables that use challenges share them, so a table whose
AIR reports a batching loss (a LogUp argument) is charged the loss of all such tables together:
log2 Σ_j 2^{loss_j}, the bits of the total number of fractions on the shared challenges.
"""

from __future__ import annotations

import math
import struct
from typing import Any, Callable, Sequence

import numpy as np

from circuits.air import Air
from circuits.extension import Ext
from verifier.errors import SecurityError, VerificationError
from verifier.multi_proof import MAX_TABLES, MultiProof, Table
from verifier.proof import ProofOptions
from verifier.stark import check_proof_shape, verify_after_aux
from verifier.transcript import Transcript

MULTI_PROTOCOL_ID = b"l2-stark-multi/v1"

PublicSum = Callable[[list[Ext]], Ext]


def init_multi_transcript(airs: Sequence[Air], trace_lengths: Sequence[int], public_inputs: Sequence[Any],
                          options: ProofOptions, statement: bytes) -> Transcript:
    """Step 1: bind the statement, the table count and every table's AIR, height and public inputs."""
    t = Transcript(MULTI_PROTOCOL_ID)
    t.absorb(b"statement", bytes(statement))
    t.absorb(b"table-count", struct.pack("<I", len(airs)))
    for air, n, pi in zip(airs, trace_lengths, public_inputs):
        t.absorb(b"air", air.name.encode())
        t.absorb(b"air-params", air.params_bytes() + struct.pack("<HHHH", air.width, air.aux_width,
                                                                   air.num_challenges, air.num_bus_claims))
        t.absorb(b"trace-length", struct.pack("<Q", n))
        t.absorb(b"public-inputs", air.public_inputs_bytes(pi))
    t.absorb(b"options", options.to_bytes())
    return t


def shared_challenge_count(airs: Sequence[Air]) -> int:
    """How many challenges step 3 draws: the most any table with auxiliary columns uses."""
    return max((air.num_challenges for air in airs if air.aux_width), default=0)


def absorb_table_aux(t: Transcript, air: Air, aux_root: bytes | None, claims: np.ndarray) -> None:
    """Step 3 for one table: its auxiliary commitment, then its bus claims."""
    if air.aux_width:
        t.absorb(b"aux-root", aux_root)
        t.absorb_elements(b"bus-claims", claims)


def bus_total(claims: Sequence[Sequence[Ext]], challenges: list[Ext], public_sum: PublicSum | None) -> Ext:
    """Σ_tables Σ claims + public_sum(challenges): zero exactly when the buses balance."""
    total = Ext.zero()
    for table_claims in claims:
        for c in table_claims:
            total = total + c
    if public_sum is not None:
        total = total + public_sum(list(challenges))
    return total


def multi_security_bits(airs: Sequence[Air], trace_lengths: Sequence[int], options: ProofOptions,
                        profile: str = "conjectured") -> float:
    """Bits of ``profile`` security of a multi-table proof: the weakest table (see the module docstring)."""
    losses = [air.security_loss_bits(n) for air, n in zip(airs, trace_lengths)]
    shared = [loss for loss in losses if loss > 0]
    shared_loss = math.log2(sum(2.0 ** loss for loss in shared)) if shared else 0.0
    return min(options.security_bits(n, shared_loss if loss > 0 else 0.0, profile)
               for n, loss in zip(trace_lengths, losses))


def _unpack_table(i: int, table) -> tuple[Air, Any, int | None]:
    if isinstance(table, Table):
        return table.air, table.public_inputs, int(np.shape(table.trace)[0])
    if isinstance(table, tuple) and len(table) in (2, 3) and isinstance(table[0], Air):
        return table[0], table[1], (int(table[2]) if len(table) == 3 else None)
    raise TypeError(f"table {i}: expected a Table, (air, public_inputs) or (air, public_inputs, height)")


def verify_tables(tables: Sequence[tuple[Air, Any]] | Sequence[Table], proof: MultiProof | bytes,
                  statement: bytes = b"", public_sum: PublicSum | None = None, min_security: float = 100,
                  profile: str = "conjectured") -> list[list[Ext]]:
    """Check a multi-table proof; return each table's bus claims or raise VerificationError.

    ``tables`` are ``(air, public_inputs)`` pairs in the order they were proven, optionally with the
    expected height as a third element (or :class:`~verifier.multi_proof.Table` objects, whose trace
    height is expected).  ``public_sum(challenges)`` is the part of the bus sum the verifier computes from
    public data (messages entering or leaving the tables); without it the claims must add up to 0.
    """
    if not isinstance(proof, MultiProof):
        proof = MultiProof.from_bytes(proof)
    entries = [_unpack_table(i, tb) for i, tb in enumerate(tables)]
    if not entries or len(entries) > MAX_TABLES:
        raise VerificationError("a multi-table statement needs 1 to 65535 tables")
    if len(proof.proofs) != len(entries) or len(proof.claims) != len(entries):
        raise VerificationError(f"proof holds {len(proof.proofs)} tables, the statement has {len(entries)}")
    opts = proof.options
    airs = [air for air, _, _ in entries]
    pis = [pi for _, pi, _ in entries]
    lengths = [p.trace_length for p in proof.proofs]

    # ---- parameters, per table (cheap: before any hashing) ------------------------------------------
    for i, ((air, _pi, height), sub, claims) in enumerate(zip(entries, proof.proofs, proof.claims)):
        if sub.options != opts:
            raise VerificationError(f"table {i}: options differ from the proof's")
        if height is not None and sub.trace_length != height:
            raise VerificationError(f"table {i} ({air.name}): proof has height {sub.trace_length}, expected {height}")
        if air.num_bus_claims and not air.aux_width:
            raise VerificationError(f"table {i} ({air.name}): bus claims need auxiliary columns")
        if np.shape(claims) != (air.num_bus_claims, 5):
            raise VerificationError(f"table {i} ({air.name}): proof has {len(claims)} bus claims, "
                                    f"the AIR declares {air.num_bus_claims}")
        try:
            check_proof_shape(air, sub)
        except VerificationError as exc:
            raise VerificationError(f"table {i} ({air.name}): {exc}") from None
    bits = multi_security_bits(airs, lengths, opts, profile)
    if bits < min_security:
        raise SecurityError(f"proof gives {bits} bits of {profile} security, fewer than the {min_security} required")

    # ---- transcript replay: steps 1-3 ---------------------------------------------------------------
    t = init_multi_transcript(airs, lengths, pis, opts, statement)
    for sub in proof.proofs:
        t.absorb(b"main-root", sub.main_root)
    n_ch = shared_challenge_count(airs)
    challenges = t.draw_exts(n_ch) if n_ch else []
    for air, sub, claims in zip(airs, proof.proofs, proof.claims):
        absorb_table_aux(t, air, sub.aux_root, claims)
    claim_values = proof.claim_values()

    # ---- step 4: bus balance ------------------------------------------------------------------------
    if not bus_total(claim_values, challenges, public_sum).is_zero():
        raise VerificationError("bus sums do not balance: the tables' claims (and the public part) "
                                "do not add up to zero")

    # ---- step 5: each table's composition, DEEP, FRI and queries ------------------------------------
    for i, (air, pi, sub, claims) in enumerate(zip(airs, pis, proof.proofs, claim_values)):
        t.absorb(b"table", struct.pack("<H", i))
        if air.num_bus_claims:
            pi = air.bind_claims(pi, claims)
        try:
            verify_after_aux(air, sub, pi, t, challenges[:air.num_challenges] if air.aux_width else [],
                             claims if air.num_bus_claims else None)
        except VerificationError as exc:
            raise VerificationError(f"table {i} ({air.name}): {exc}") from None
    return claim_values
