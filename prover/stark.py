"""STARK proving: ``prove(air, trace, public_inputs, options) -> Proof``.

Follows the protocol documented in :mod:`verifier.stark` step by step; the verifier is the
specification of the proof format.  The phases are separate functions (:func:`prepare_trace`,
:func:`commit_main`, :func:`commit_aux`, :func:`prove_after_aux`) so :mod:`prover.multi_stark` can run
them for several tables on one transcript.  All work over the evaluation domains is done on whole columns
(numpy, or the numba kernels of :mod:`circuits.ntt`, :mod:`circuits.ext_kernels` and
:mod:`verifier.blake2b`); the only Python loops run over constraints, columns and queries.
"""

from __future__ import annotations

import struct
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from circuits import ext_kernels as ek
from circuits import field as F
from circuits.air import Air, ConstraintViolation, aux_assertions_of, check_constraints
from circuits.extension import Ext, x_power
from circuits.ntt import coset_intt, lde, ntt
from circuits.values import BaseVec, ExtVec
from prover.merkle import MerkleTree
from verifier.blake2b import grind
from verifier.proof import FriLayerOpening, Proof, ProofOptions
from verifier.stark import (DOMAIN_SHIFT, _ce_factor, _coeff_array, _component_coeffs,
                            composition_coefficient_count, draw_ood_point, fri_num_layers, init_transcript)
from verifier.transcript import Transcript

Progress = Callable[[str], None]


class ProverError(ValueError):
    """The prover cannot produce a proof (the trace does not satisfy the AIR, or bad parameters)."""


def _ext_matrix_to_base(a: np.ndarray) -> np.ndarray:
    """(n, m, 5) extension columns → (n, 5m) base columns (component-minor), the committed layout."""
    return np.ascontiguousarray(a.reshape(a.shape[0], -1))


def _recombine(parts: np.ndarray) -> np.ndarray:
    """(5m, 5) values of base component polynomials → (m, 5): A(z) = Σ_m X^m · A_m(z)."""
    m = parts.shape[0] // 5
    out = np.zeros((m, 5), dtype=np.uint64)
    for j in range(m):
        acc = Ext.zero()
        for comp in range(5):
            acc = acc + x_power(comp) * Ext.from_array(parts[5 * j + comp])
        out[j] = acc.to_array()
    return out


def _eval_ext_polys(coeffs: np.ndarray, point: Ext) -> np.ndarray:
    """Evaluate base-component polynomials given by coefficients (n, 5m) at an extension point → (m, 5)."""
    pw = ek.ext_powers(point.to_array(), coeffs.shape[0])
    return _recombine(ek.weighted_row_sum(coeffs, pw))


def _barycentric_weights(n: int, z: Ext) -> np.ndarray:
    """Weights w_i with T(z) = Σ_i w_i·T(ω^i) for every T of degree < n (ω of order n).

    Barycentric form on a multiplicative subgroup: T(z) = (z^n − 1)/n · Σ_i T(ω^i)·ω^i/(z − ω^i).
    Evaluating from the trace itself saves keeping its coefficients (a trace-sized array).
    """
    xs = F.powers(F.two_adic_generator(n.bit_length() - 1), n)
    inv = ek.ext_batch_inv_chunked(ek.ext_sub(np.broadcast_to(z.to_array(), (n, 5)), ek.base_to_ext(xs)), 16)
    scale = (z ** n - 1) * F.inv_scalar(n)
    return ek.ext_mul_scalar(ek.ext_mul_base(inv, xs), scale.to_array())


def prove(air: Air, trace: np.ndarray, public_inputs: Any, options: ProofOptions | None = None,
          progress: Progress | None = None, check: bool = True) -> Proof:
    """Prove that ``trace`` satisfies ``air`` for ``public_inputs``.

    With ``check`` (the default) the trace is first run through the debug checker, so a bad trace
    fails with a message naming the row and constraint instead of an opaque degree error, and a
    composition polynomial above its degree bound is refused.  ``check=False`` is for soundness tests
    only: it plays a cheating prover that commits to whatever the bad trace gives (the quotient
    truncated to its degree bound), so tests can show the *verifier* refuses the result.
    """
    options = options or ProofOptions()
    step = progress or (lambda _phase: None)
    if air.num_bus_claims:
        raise ProverError(f"{air.name} has bus claims: prove it with its other tables (prove_tables)")
    trace = prepare_trace(air, trace, public_inputs, options, check)
    n = trace.shape[0]

    # ---- step 1-2: main trace -----------------------------------------------------------------------
    step("commit trace")
    t = init_transcript(air, options, n, public_inputs)
    main_tree = commit_main(trace, options)
    t.absorb(b"main-root", main_tree.root)

    # ---- step 3: auxiliary trace -----------------------------------------------------------------
    challenges: list[Ext] = []
    aux = None
    if air.aux_width:
        challenges = t.draw_exts(air.num_challenges)
        aux = commit_aux(air, trace, challenges, public_inputs, options, check)
        t.absorb(b"aux-root", aux.tree.root)
    return prove_after_aux(air, trace, public_inputs, options, t, main_tree, aux, challenges, check=check,
                           step=step)


def prepare_trace(air: Air, trace: np.ndarray, public_inputs: Any, options: ProofOptions,
                  check: bool) -> np.ndarray:
    """The trace as contiguous uint64, after checking its shape, values and (with ``check``) constraints."""
    trace = np.ascontiguousarray(trace, dtype=np.uint64)
    if trace.ndim != 2:
        raise ProverError(f"trace for {air.name} must be a matrix")
    n, w = trace.shape
    if w != air.width:
        raise ProverError(f"trace has {w} columns, the AIR {air.name} has {air.width}")
    if n < air.min_trace_length or n & (n - 1):
        raise ProverError(f"trace length must be a power of two ≥ {air.min_trace_length}, got {n}")
    if n.bit_length() - 1 + options.blowup_log > F.TWO_ADICITY:
        raise ProverError("trace too long for the field's two-adic subgroups")
    if np.any(trace >= F.P):
        raise ProverError("trace holds values outside the field")
    d = _ce_factor(air)
    if d > options.blowup:
        raise ProverError(f"blowup {options.blowup} is below the constraint-evaluation factor {d}")
    if check:
        check_constraints(air, trace, public_inputs)
    return trace


def commit_main(trace: np.ndarray, options: ProofOptions) -> MerkleTree:
    """Step 2: Merkle tree over the rows of the trace's LDE (its rows are the only copy kept)."""
    return MerkleTree(_lde_u32(trace, options.blowup, DOMAIN_SHIFT))


@dataclass(frozen=True, eq=False)
class AuxCommitment:
    """Step 3's result for one table: the extension columns, their committed layout, the tree, the claims."""

    columns: np.ndarray  # (n, aux_width, 5)
    base: np.ndarray  # (n, 5·aux_width): the committed component-minor layout
    tree: MerkleTree
    claims: list[Ext]  # the AIR's bus claims (empty for AIRs without claims)


def commit_aux(air: Air, trace: np.ndarray, challenges: list[Ext], public_inputs: Any, options: ProofOptions,
               check: bool) -> AuxCommitment:
    """Step 3: build the auxiliary trace from the challenges, read its bus claims, commit to it."""
    aux = air.build_aux_trace(trace, challenges, public_inputs)
    claims: list[Ext] = []
    if air.num_bus_claims:
        claims = list(air.bus_claims(trace, aux, challenges, public_inputs))
        if len(claims) != air.num_bus_claims or not all(isinstance(c, Ext) for c in claims):
            raise ProverError(f"{air.name} must report {air.num_bus_claims} extension bus claims")
    if check:
        bound = air.bind_claims(public_inputs, claims) if air.num_bus_claims else public_inputs
        check_constraints(air, trace, bound, aux, challenges, claims or None)
    aux_base = _ext_matrix_to_base(aux)
    return AuxCommitment(aux, aux_base, MerkleTree(_lde_u32(aux_base, options.blowup, DOMAIN_SHIFT)), claims)


def prove_after_aux(air: Air, trace: np.ndarray, public_inputs: Any, options: ProofOptions, t: Transcript,
                    main_tree: MerkleTree, aux_commit: AuxCommitment | None, challenges: list[Ext],
                    check: bool = True, step: Progress | None = None) -> Proof:
    """Steps 4-9 for one table, continuing transcript ``t`` after its main and auxiliary commitments."""
    step = step or (lambda _phase: None)
    n, w = trace.shape
    B = options.blowup
    L = n * B
    log_n = n.bit_length() - 1
    omega_n = F.two_adic_generator(log_n)
    g = DOMAIN_SHIFT
    d = _ce_factor(air)
    main_lde = main_tree.rows
    a = air.aux_width
    aux_tree = aux_commit.tree if aux_commit is not None else None
    if a:
        aux, aux_base, aux_lde = aux_commit.columns, aux_commit.base, aux_tree.rows
    claims = aux_commit.claims if aux_commit is not None and air.num_bus_claims else None

    # ---- step 4: composition polynomial -----------------------------------------------------------
    step("evaluate constraints")
    coeffs = t.draw_exts(composition_coefficient_count(air, public_inputs, n, challenges, claims))
    q = _composition_evaluations(air, public_inputs, challenges, coeffs, main_lde,
                                 aux_lde if a else None, n, B, d, claims)

    step("commit composition")
    q_coeffs = coset_intt(q, g)  # (N_ce, 5): coefficients of each component of Q
    k = air.composition_chunks()
    if check and np.any(q_coeffs[k * n:]):
        # Q is not a polynomial of the expected degree: the trace violates a constraint.
        try:
            check_constraints(air, trace, public_inputs, aux if a else None, challenges, claims)
        except ConstraintViolation as exc:
            raise ProverError(str(exc)) from None
        raise ProverError("composition polynomial exceeds its degree bound (constraint degrees declared too low?)")
    # chunk j holds coefficients [jn, (j+1)n) of Q; lay out as (n, 5k) component-minor columns.
    chunk_coeffs = np.ascontiguousarray(q_coeffs[:k * n].reshape(k, n, 5).transpose(1, 0, 2).reshape(n, 5 * k))
    del q, q_coeffs
    # evaluations of the chunks on ⟨ω_n⟩, then the same LDE as the trace (no L-row coefficient matrix)
    comp_tree = MerkleTree(_lde_u32(ntt(chunk_coeffs), B, g))
    comp_lde = comp_tree.rows
    t.absorb(b"comp-root", comp_tree.root)

    # ---- step 5: out-of-domain evaluations --------------------------------------------------------
    step("out-of-domain evaluation")
    z = draw_ood_point(t, n, L)
    z_next = z * omega_n
    bary_z, bary_zn = _barycentric_weights(n, z), _barycentric_weights(n, z_next)
    ood_main = np.stack([ek.weighted_row_sum(trace, bary_z), ek.weighted_row_sum(trace, bary_zn)])
    if a:
        ood_aux = np.stack([_recombine(ek.weighted_row_sum(aux_base, bary_z)),
                            _recombine(ek.weighted_row_sum(aux_base, bary_zn))])
    else:
        ood_aux = np.zeros((2, 0, 5), dtype=np.uint64)
    ood_comp = _eval_ext_polys(chunk_coeffs, z)
    t.absorb_elements(b"ood", np.concatenate([ood_main.ravel(), ood_aux.ravel(), ood_comp.ravel()]))

    # ---- step 6: DEEP composition -----------------------------------------------------------------
    step("DEEP composition")
    deep = t.draw_exts(2 * w + 2 * a + k)
    c_main, c_main_next = deep[:w], deep[w:2 * w]
    c_aux, c_aux_next = deep[2 * w:2 * w + a], deep[2 * w + a:2 * w + 2 * a]
    c_comp = deep[2 * w + 2 * a:]
    vals_z = [Ext.from_array(v) for v in ood_main[0]] + [Ext.from_array(v) for v in ood_aux[0]] + \
             [Ext.from_array(v) for v in ood_comp]
    vals_zn = [Ext.from_array(v) for v in ood_main[1]] + [Ext.from_array(v) for v in ood_aux[1]]
    const_z = sum((c * v for c, v in zip(c_main + c_aux + c_comp, vals_z)), Ext.zero())
    const_zn = sum((c * v for c, v in zip(c_main_next + c_aux_next, vals_zn)), Ext.zero())
    # D(x) = (Σ c·T(x) − Σ c·T(z))/(x − z) + (Σ c'·T(x) − Σ c'·T(zω))/(x − zω), a block of rows at a time
    # so only the result, not every intermediate, is held at full LDE size.
    cm, cmn = _coeff_array(c_main), _coeff_array(c_main_next)
    ca, can = (_component_coeffs(c_aux), _component_coeffs(c_aux_next)) if a else (None, None)
    cc = _component_coeffs(c_comp)
    omega_L = F.two_adic_generator(L.bit_length() - 1)
    deep_evals = np.empty((L, 5), dtype=np.uint64)
    blk = min(L, _DEEP_ROW_BLOCK)
    for s0 in range(0, L, blk):
        rows = slice(s0, s0 + blk)
        num_z, num_zn = ek.combine_columns2(main_lde[rows], cm, cmn)
        if a:
            aux_z, aux_zn = ek.combine_columns2(aux_lde[rows], ca, can)
            num_z, num_zn = ek.ext_add(num_z, aux_z), ek.ext_add(num_zn, aux_zn)
        num_z = ek.ext_add(num_z, ek.combine_columns(comp_lde[rows], cc))
        x_ext = ek.base_to_ext(F.powers(omega_L, blk, start=g * pow(omega_L, s0, F.P) % F.P))
        inv_xz = ek.ext_batch_inv_chunked(ek.ext_sub(x_ext, z.to_array()[None, :]), 16)
        inv_xzn = ek.ext_batch_inv_chunked(ek.ext_sub(x_ext, z_next.to_array()[None, :]), 16)
        deep_evals[rows] = ek.ext_add(ek.ext_mul(ek.ext_sub(num_z, const_z.to_array()[None, :]), inv_xz),
                                      ek.ext_mul(ek.ext_sub(num_zn, const_zn.to_array()[None, :]), inv_xzn))

    # ---- step 7: FRI ------------------------------------------------------------------------------
    step("FRI")
    n_layers = fri_num_layers(n, options)
    fri_trees: list[MerkleTree] = []
    evals = deep_evals
    del deep_evals
    size = L
    shift = g
    for _ in range(n_layers):
        half = size // 2
        # A leaf pairs f(x) with f(−x), which sits at index i + half: one opening serves one fold.
        leaves = np.empty((half, 10), dtype=np.uint32)
        leaves[:, :5] = evals[:half]
        leaves[:, 5:] = evals[half:]
        tree = MerkleTree(leaves)
        fri_trees.append(tree)
        t.absorb(b"fri-root", tree.root)
        beta = t.draw_ext()
        omega_inv = F.inv_scalar(F.two_adic_generator(size.bit_length() - 1))
        inv_2x = F.powers(omega_inv, half, start=F.inv_scalar(2 * shift % F.P))  # 1/(2·shift·ω^i)
        evals = ek.fri_fold(evals, beta.to_array(), inv_2x)
        size = half
        shift = shift * shift % F.P
    rem_bound = n >> n_layers
    rem_coeffs = coset_intt(evals, shift)
    if np.any(rem_coeffs[rem_bound:]):
        raise ProverError("FRI remainder exceeds its degree bound (internal error)")
    remainder = np.ascontiguousarray(rem_coeffs[:rem_bound])
    t.absorb_elements(b"fri-remainder", remainder)

    # ---- step 8: proof of work --------------------------------------------------------------------
    step("proof of work")
    nonce = grind(t.grinding_seed(), options.grinding_bits)
    t.absorb(b"pow", struct.pack("<Q", nonce))

    # ---- step 9: queries --------------------------------------------------------------------------
    step("open queries")
    positions = sorted(set(t.draw_indices(options.num_queries, L)))
    layers = []
    current = positions
    size = L
    for tree in fri_trees:
        half = size // 2
        leaf_idx = sorted({p % half for p in current})
        layers.append(FriLayerOpening(tree.rows[leaf_idx].astype(np.uint64), tree.open(leaf_idx)))
        current = leaf_idx
        size = half

    return Proof(
        options=options,
        trace_length=n,
        main_root=main_tree.root,
        aux_root=aux_tree.root if aux_tree else None,
        comp_root=comp_tree.root,
        ood_main=ood_main,
        ood_aux=ood_aux,
        ood_comp=ood_comp,
        fri_roots=[tr.root for tr in fri_trees],
        fri_remainder=remainder,
        pow_nonce=nonce,
        positions=positions,
        main_rows=main_tree.rows[positions].astype(np.uint64),
        main_siblings=main_tree.open(positions),
        aux_rows=aux_tree.rows[positions].astype(np.uint64) if aux_tree else np.zeros((len(positions), 0), np.uint64),
        aux_siblings=aux_tree.open(positions) if aux_tree else [],
        comp_rows=comp_tree.rows[positions].astype(np.uint64),
        comp_siblings=comp_tree.open(positions),
        fri_layers=layers,
    )


_LDE_COLUMN_BLOCK = 16
_CE_ROW_BLOCK = 1 << 17
_CE_BLOCK_CELLS = 1 << 24
_DEEP_ROW_BLOCK = 1 << 18


def _lde_u32(evals: np.ndarray, blowup: int, shift: int) -> np.ndarray:
    """LDE of every column written straight into uint32 storage (half the memory of uint64)."""
    n, w = evals.shape
    out = np.empty((n * blowup, w), dtype=np.uint32)
    for j in range(0, w, _LDE_COLUMN_BLOCK):  # blocks bound the transform's working memory
        lde(np.ascontiguousarray(evals[:, j:j + _LDE_COLUMN_BLOCK]), blowup, shift, out=out[:, j:j + _LDE_COLUMN_BLOCK])
    return out


def _composition_evaluations(air: Air, public_inputs: Any, challenges: list[Ext], coeffs: list[Ext],
                             main_lde: np.ndarray, aux_lde: np.ndarray | None, n: int, B: int, d: int,
                             claims: list[Ext] | None = None) -> np.ndarray:
    """Q on the constraint-evaluation coset g·⟨ω_{dn}⟩ (every (B/d)-th LDE row), as (dn, 5).

        Q(x) = Σ_i a_i·C_i(x)/Z_T(x) + Σ_cyclic a_i·C_i(x)/Z_H(x) + Σ_b a_b·(T_b(x) − v_b)/(x − ω^{r_b})

    with Z_H = x^n − 1 and Z_T = Z_H/(x − ω^{n−1}).  Rows are processed in blocks so the working set
    (one block of every column, transposed so each column is contiguous) stays small and in cache.
    """
    stride = B // d
    N_ce = d * n
    log_n = n.bit_length() - 1
    omega_n = F.two_adic_generator(log_n)
    omega_ce = F.two_adic_generator(log_n + d.bit_length() - 1)
    w, a = air.width, air.aux_width
    it = iter(coeffs)
    n_trans = len(air.transition_degrees())
    main_coefs = _coeff_array([next(it) for _ in range(n_trans)])
    cyclic = sorted(air.cyclic_transitions())
    cyc_coefs = main_coefs[cyclic].copy()
    main_coefs[cyclic] = 0
    aux_coefs = [next(it) for _ in air.aux_transition_degrees()]
    aux_cyclic = air.cyclic_aux_transitions()
    by_row: dict[int, list] = {}
    for asr in air.assertions(public_inputs, n):
        by_row.setdefault(asr.row, []).append((asr, False, next(it)))
    if a:
        for asr in aux_assertions_of(air, challenges, public_inputs, n, claims):
            by_row.setdefault(asr.row, []).append((asr, True, next(it)))
    boundary = []
    for row, items in by_row.items():
        main_items = [(asr.column, c) for asr, is_aux, c in items if not is_aux]
        aux_items = [(asr.column, c) for asr, is_aux, c in items if is_aux]
        const = Ext.zero()
        for asr, _is_aux, c in items:
            val = asr.value if isinstance(asr.value, Ext) else Ext.from_base(int(asr.value))
            const = const + c * val
        boundary.append((pow(omega_n, row, F.P), [col for col, _ in main_items],
                         _coeff_array([c for _, c in main_items]), aux_items, const.to_array()[None, :]))

    # x^n on the coset takes only d distinct values: 1/(x^n − 1) is a d-periodic pattern.
    xn = F.pow_array(F.powers(omega_ce, d, start=DOMAIN_SHIFT), n)
    inv_zh_pattern = F.batch_inv(F.sub(xn, np.uint64(1)))
    q = np.empty((N_ce, 5), dtype=np.uint64)
    # Block height scaled to the width so a block's working set (two copies of every column plus one
    # row per constraint) stays near _CE_BLOCK_CELLS values whatever the AIR.
    per_row = 2 * (w + 5 * a) + n_trans + len(aux_coefs)
    block = max(d, min(_CE_ROW_BLOCK, N_ce, 1 << max(0, (_CE_BLOCK_CELLS // max(1, per_row)).bit_length() - 1)))
    for s0 in range(0, N_ce, block):
        idx = np.arange(s0, s0 + block)
        rows = idx * stride
        nrows = ((idx + d) % N_ce) * stride  # x ↦ ω_n·x moves d steps along the coset
        cur_blk = ek.gather_transposed(main_lde, rows)
        nxt_blk = ek.gather_transposed(main_lde, nrows)
        cur = [BaseVec(cur_blk[j]) for j in range(w)]
        nxt = [BaseVec(nxt_blk[j]) for j in range(w)]
        x = F.powers(omega_ce, block, start=DOMAIN_SHIFT * pow(omega_ce, s0, F.P) % F.P)
        inv_zh = np.tile(inv_zh_pattern, block // d)
        zt_inv = F.mul(F.sub(x, np.uint64(pow(omega_n, n - 1, F.P))), inv_zh)

        cs = np.empty((n_trans, block), dtype=np.uint64)  # one contiguous row per constraint
        for i, c in enumerate(air.evaluate_transition(cur, nxt, public_inputs)):
            cs[i] = c.v if isinstance(c, BaseVec) else int(c) % F.P
        acc = ek.combine_transposed(cs, main_coefs)
        acc_cyc = ek.combine_transposed(np.ascontiguousarray(cs[cyclic]), cyc_coefs) if cyclic else None
        acur = anxt = None
        if a:
            a_cur = aux_lde[rows].astype(np.uint64)
            a_nxt = aux_lde[nrows].astype(np.uint64)
            acur = [ExtVec(np.ascontiguousarray(a_cur[:, 5 * j:5 * j + 5])) for j in range(a)]
            anxt = [ExtVec(np.ascontiguousarray(a_nxt[:, 5 * j:5 * j + 5])) for j in range(a)]
            for i, c in enumerate(air.evaluate_aux_transition(cur, nxt, acur, anxt, challenges, public_inputs)):
                term = c.v if isinstance(c, ExtVec) else ek.base_to_ext(c.v)
                scaled = ek.ext_mul_scalar(term, aux_coefs[i].to_array())
                if i in aux_cyclic:
                    acc_cyc = scaled if acc_cyc is None else ek.ext_add(acc_cyc, scaled)
                else:
                    acc = ek.ext_add(acc, scaled)
        qb = ek.ext_mul_base(acc, zt_inv)
        if acc_cyc is not None:
            qb = ek.ext_add(qb, ek.ext_mul_base(acc_cyc, inv_zh))
        for point, cols, ccoefs, aux_items, const in boundary:
            num = ek.combine_transposed(np.ascontiguousarray(cur_blk[cols]), ccoefs) if cols else \
                np.zeros((block, 5), dtype=np.uint64)
            for col, c in aux_items:
                num = ek.ext_add(num, ek.ext_mul_scalar(acur[col].v, c.to_array()))
            num = ek.ext_sub(num, const)
            qb = ek.ext_add(qb, ek.ext_mul_base(num, F.batch_inv(F.sub(x, np.uint64(point)))))
        q[s0:s0 + block] = qb
    return q


def timed_prove(air: Air, trace: np.ndarray, public_inputs: Any, options: ProofOptions | None = None,
                progress: Progress | None = None) -> tuple[Proof, float]:
    start = time.perf_counter()
    proof = prove(air, trace, public_inputs, options, progress)
    return proof, time.perf_counter() - start
