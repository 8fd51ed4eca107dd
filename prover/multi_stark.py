"""Proving several AIR tables of different heights together: ``prove_tables(tables) -> MultiProof``.

A rollup batch is not one matrix: a transaction table, a state-tree table and execution tables have
different heights and talk to each other through LogUp buses.  Here each table keeps its own trace
domain, and all of them share one Fiat–Shamir transcript and one set of LogUp challenges, so a bus
can run between them: each table reports the partial sums of its side of the bus (its *bus claims*,
see :attr:`circuits.air.Air.num_bus_claims`), and the verifier checks that the claims of all tables,
plus a part it computes from public data, add up to zero.

Protocol (the verifier, :mod:`verifier.multi_stark`, replays the same transcript):

 1. Transcript ← "l2-stark-multi" | statement bytes | table count | per table: AIR name, AIR
    parameters (widths, challenge and claim counts), trace length, public inputs | proof options.
 2. Every table's main trace is committed and its Merkle root absorbed, in table order.
 3. The shared challenges are drawn once (the most any table with auxiliary columns uses; each
    table takes a prefix of the list).  Then every table's auxiliary trace is built, committed and
    absorbed, followed by the table's bus claims.
 4. Then, table by table, the transcript absorbs the table index and the remaining steps run exactly
    as in the single-table prover (:func:`prover.stark.prove_after_aux`): composition coefficients
    and commitment, out-of-domain point and values, DEEP, FRI with its own layers and remainder,
    proof of work and queries.

Why the challenges come after *all* main commitments: a LogUp bus is sound only if the challenges are
random with respect to every fraction on the bus.  Were a table committed after the challenges were
known, its prover could pick its rows to cancel the other tables' sums (solving for entries that
make Σ claims = 0) and pass values over the bus that nobody sent.  With every main trace — and the
statement, the table list and the heights — fixed before the first draw, no table can be chosen
after seeing the challenges.

Why each table runs its own FRI: it is the simplest sound construction (each table is exactly a
single-table proof after step 3, sharing only the transcript), and it reuses the single-table
prover and verifier unchanged.  The cost is proof size and verifier work growing linearly with the
number of tables (one set of FRI layers and query openings per table).  Batching all tables into one
FRI over mixed heights (folding the larger tables down and adding the smaller ones in as their
degree bound is reached) is a later optimization.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from circuits.extension import Ext
from prover.stark import AuxCommitment, Progress, ProverError, commit_aux, commit_main, prepare_trace, prove_after_aux
from verifier.multi_proof import MAX_TABLES, MultiProof, Table
from verifier.multi_stark import absorb_table_aux, bus_total, init_multi_transcript, shared_challenge_count
from verifier.proof import ProofOptions

__all__ = ["Table", "prove_tables"]


def _claims_array(claims: list[Ext]) -> np.ndarray:
    if not claims:
        return np.zeros((0, 5), dtype=np.uint64)
    return np.stack([c.to_array() for c in claims]).astype(np.uint64)


def prove_tables(tables: Sequence[Table], options: ProofOptions | None = None, statement: bytes = b"",
                 check: bool = True, progress: Progress | None = None,
                 public_sum: Callable[[list[Ext]], Ext] | None = None) -> MultiProof:
    """Prove every table of ``tables`` (in order) in one proof bound to ``statement``.

    With ``check`` (the default) each trace goes through the debug checker, and the bus claims must
    balance: Σ claims + ``public_sum(challenges)`` (0 without it) = 0, the same check the verifier
    makes.  ``check=False`` plays a cheating prover for soundness tests: it commits to whatever the
    traces give, so tests can show the verifier refuses the result.
    """
    options = options or ProofOptions()
    step = progress or (lambda _phase: None)
    tables = list(tables)
    if not 1 <= len(tables) <= MAX_TABLES:
        raise ProverError("prove_tables needs 1 to 65535 tables")
    airs = [tb.air for tb in tables]
    for i, air in enumerate(airs):
        if air.num_bus_claims and not air.aux_width:
            raise ProverError(f"table {i} ({air.name}): bus claims need auxiliary columns")
    traces = [prepare_trace(tb.air, tb.trace, tb.public_inputs, options, check) for tb in tables]
    lengths = [tr.shape[0] for tr in traces]
    pis = [tb.public_inputs for tb in tables]

    # ---- steps 1-2: statement, then every main commitment -------------------------------------------
    step("commit traces")
    t = init_multi_transcript(airs, lengths, pis, options, statement)
    main_trees = []
    for trace in traces:
        tree = commit_main(trace, options)
        t.absorb(b"main-root", tree.root)
        main_trees.append(tree)

    # ---- step 3: shared challenges, auxiliary traces and bus claims ---------------------------------
    step("auxiliary traces")
    n_ch = shared_challenge_count(airs)
    challenges = t.draw_exts(n_ch) if n_ch else []
    auxes: list[AuxCommitment | None] = []
    for air, trace, pi in zip(airs, traces, pis):
        aux = commit_aux(air, trace, challenges[:air.num_challenges], pi, options, check) if air.aux_width else None
        claims = _claims_array(aux.claims if aux is not None else [])
        absorb_table_aux(t, air, aux.tree.root if aux is not None else None, claims)
        auxes.append(aux)
    all_claims = [aux.claims if aux is not None else [] for aux in auxes]
    if check and not bus_total(all_claims, challenges, public_sum).is_zero():
        raise ProverError("bus sums do not balance: some value is sent but not received (or the reverse)")

    # ---- step 4: each table's composition, DEEP, FRI, proof of work and queries ---------------------
    proofs = []
    k = len(tables)
    for i, (air, trace, pi, tree, aux) in enumerate(zip(airs, traces, pis, main_trees, auxes)):
        t.absorb(b"table", i.to_bytes(2, "little"))
        if air.num_bus_claims:
            pi = air.bind_claims(pi, aux.claims)
        proofs.append(prove_after_aux(air, trace, pi, options, t, tree, aux,
                                      challenges[:air.num_challenges] if air.aux_width else [], check=check,
                                      step=lambda phase, i=i, name=air.name: step(f"{name} [{i + 1}/{k}]: {phase}")))
    return MultiProof(options, proofs, [_claims_array(c) for c in all_claims])
