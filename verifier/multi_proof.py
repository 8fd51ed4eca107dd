"""Multi-table proofs: the object, the table description and the versioned byte format "L2SM".

Several AIR tables of different heights are proven together (:func:`prover.multi_stark.prove_tables`,
checked by :func:`verifier.multi_stark.verify_tables`).  Each table keeps the complete single-table
proof structure (its own commitments, out-of-domain values, FRI and queries), so the multi-table proof
is a list of single-proof bodies under one set of options, each followed by the table's bus claims.

Layout (all integers little-endian; elements canonical u32 < p; an extension element is 5 of them):

    magic "L2SM" | version u16
    options: blowup_log u8 | num_queries u16 | grinding_bits u8 | fri_remainder_log u8
    table_count u16
    per table: proof body (the "L2SP" layout of :mod:`verifier.proof` from trace_length_log on)
               | claim_count u16 | claim_count × ext

As in :mod:`verifier.proof`, every count is checked against the bytes that remain before anything is
allocated, non-canonical elements and trailing bytes are refused, and every failure to parse is a
:class:`~verifier.errors.ProofFormatError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from circuits.air import Air
from circuits.extension import Ext
from verifier.errors import ProofFormatError
from verifier.proof import (MIN_BODY_BYTES, Proof, ProofOptions, Reader, Writer, read_options, read_proof_body,
                            write_proof_body)

MAGIC = b"L2SM"
VERSION = 1
MAX_TABLES = 0xFFFF


@dataclass(frozen=True, eq=False)
class Table:
    """One table of a multi-table statement: its AIR, its trace (prover side) and its public inputs.

    The verifier accepts a :class:`Table` too; it then uses only the AIR, the public inputs and the
    trace's height (which the proof must match).
    """

    air: Air
    trace: Any  # (n, air.width) array of field elements
    public_inputs: Any = None


@dataclass(frozen=True, eq=False)
class MultiProof:
    """Per-table proofs (all under ``options``) and each table's bus claims, in table order."""

    options: ProofOptions
    proofs: list[Proof]
    claims: list[np.ndarray]  # per table: (num_bus_claims, 5) canonical extension elements

    def claim_values(self) -> list[list[Ext]]:
        return [[Ext.from_array(c) for c in cl] for cl in self.claims]

    # ------------------------------------------------------------------ bytes
    def to_bytes(self) -> bytes:
        if not 1 <= len(self.proofs) <= MAX_TABLES or len(self.claims) != len(self.proofs):
            raise ValueError("a multi-table proof holds 1 to 65535 tables, each with its claims")
        w = Writer()
        w.raw(MAGIC)
        w.u16(VERSION)
        w.raw(self.options.to_bytes())
        w.u16(len(self.proofs))
        for proof, claims in zip(self.proofs, self.claims):
            if proof.options != self.options:
                raise ValueError("every table of a multi-table proof uses the proof's options")
            write_proof_body(w, proof)
            claims = np.asarray(claims, dtype=np.uint64).reshape(-1, 5)
            w.u16(claims.shape[0])
            w.elems(claims)
        return w.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "MultiProof":
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise ProofFormatError("proof must be bytes")
        r = Reader(bytes(data))
        if r.raw(4) != MAGIC:
            raise ProofFormatError("not a multi-table proof (bad magic bytes)")
        version = r.u16()
        if version != VERSION:
            raise ProofFormatError(f"unsupported multi-table proof version {version} (this verifier reads {VERSION})")
        options = read_options(r)
        count = r.u16()
        if count == 0:
            raise ProofFormatError("multi-table proof without tables")
        r.need(count * (MIN_BODY_BYTES + 2), "multi-table proof")  # each table: a body and a claim count
        proofs: list[Proof] = []
        claims: list[np.ndarray] = []
        for _ in range(count):
            proofs.append(read_proof_body(r, options))
            m = r.u16()
            claims.append(r.elems(5 * m, what="bus claims").reshape(m, 5))
        r.finish()
        return cls(options, proofs, claims)
