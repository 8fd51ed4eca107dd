"""STARK verification: the protocol, step by step, from the verifier's side.

The protocol (the prover in :mod:`prover.stark` follows the same steps):

 1. Transcript ← "l2-stark" | AIR name | AIR parameters | proof options | trace length | public inputs.
 2. Absorb the main-trace commitment (Merkle root of the trace's low-degree extension on the coset
    g·⟨ω_L⟩, L = n·blowup, g = 31).
 3. If the AIR has auxiliary columns: draw its challenges, absorb the auxiliary commitment.
 4. Draw one independent extension coefficient per constraint (transition and boundary, main and aux).
    The composition polynomial is
        Q(x) = Σ_i a_i · C_i(x) / Z_T(x) + Σ_b a_b · (T_b(x) − v_b) / (x − ω^{r_b}),
    with Z_T(x) = (x^n − 1)/(x − ω^{n−1}) vanishing on every row but the last.  Q is split into
    k = max(1, d − 1) chunks of degree < n, Q(x) = Σ_j x^{jn} H_j(x); absorb their commitment.
 5. Draw the out-of-domain point z; absorb the trace values at z and z·ω and the chunks at z.
    Check Q(z) (recomputed from the trace values by running the AIR's constraint code on them)
    against Σ_j z^{jn} H_j(z).
 6. Draw DEEP coefficients and form, for every opened position x,
        D(x) = Σ c_j (T_j(x) − T_j(z))/(x − z) + Σ c'_j (T_j(x) − T_j(zω))/(x − zω) + Σ e_j (H_j(x) − H_j(z))/(x − z).
 7. FRI on D with degree bound n: fold by 2 per layer (f'(x²) = (f(x)+f(−x))/2 + β·(f(x)−f(−x))/(2x)),
    one commitment and one β per layer, until the bound is 2^remainder_log; the last layer is sent as
    polynomial coefficients (so its degree is checked by construction).
 8. Proof of work: a nonce whose hash with the transcript state has ``grinding_bits`` leading zeros.
 9. Draw query positions; check every opening against its commitment and every FRI fold.

Steps 1-3 are :func:`verify`'s own; steps 4-9 are :func:`verify_after_aux`, shared with
:func:`verifier.multi_stark.verify_tables`, which runs them once per table on one transcript.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

from circuits import ext_kernels as ek
from circuits.air import Air, aux_assertions_of
from circuits.extension import Ext, x_power
from circuits.field import GENERATOR, P, two_adic_generator
from verifier.blake2b import check_grind
from verifier.errors import SecurityError, VerificationError
from verifier.merkle import hash_leaf, verify_batch
from verifier.proof import Proof, ProofOptions
from verifier.transcript import Transcript, elements_to_bytes

PROTOCOL_ID = b"l2-stark/v1"
DOMAIN_SHIFT = GENERATOR


def init_transcript(air: Air, options: ProofOptions, trace_length: int, public_inputs: Any) -> Transcript:
    """Step 1: bind the AIR, its parameters, the options, the trace length and all public inputs."""
    t = Transcript(PROTOCOL_ID)
    t.absorb(b"air", air.name.encode())
    t.absorb(b"air-params", air.params_bytes() + struct.pack("<HHH", air.width, air.aux_width, air.num_challenges))
    t.absorb(b"options", options.to_bytes())
    t.absorb(b"trace-length", struct.pack("<Q", trace_length))
    t.absorb(b"public-inputs", air.public_inputs_bytes(public_inputs))
    return t


def fri_num_layers(trace_length: int, options: ProofOptions) -> int:
    """How many times FRI folds before sending the remainder polynomial."""
    log_n = trace_length.bit_length() - 1
    return max(0, log_n - options.fri_remainder_log)


def composition_coefficient_count(air: Air, public_inputs: Any, trace_length: int, challenges: list,
                                  claims: list[Ext] | None = None) -> int:
    return (len(air.transition_degrees()) + len(air.assertions(public_inputs, trace_length))
            + len(air.aux_transition_degrees())
            + len(aux_assertions_of(air, challenges, public_inputs, trace_length, claims)))


def ext_from_parts(parts: np.ndarray) -> list[Ext]:
    """Recombine (m, 5 components, 5) values of polynomials whose coefficients are extension elements.

    A polynomial with extension coefficients is stored as 5 base polynomials, one per coefficient
    component: A(x) = Σ_m X^m · A_m(x).  Evaluated at an extension point each A_m gives an extension
    value; this sums X^m · A_m(z).
    """
    out = []
    for col in parts:
        acc = Ext.zero()
        for m in range(5):
            acc = acc + x_power(m) * Ext.from_array(col[m])
        out.append(acc)
    return out


def row_to_exts(row: np.ndarray) -> list[Ext]:
    """A committed row of 5·m base values → m extension elements (component-minor)."""
    return [Ext.from_array(row[5 * j: 5 * j + 5]) for j in range(len(row) // 5)]


def verify(air: Air, proof: Proof | bytes, public_inputs: Any, min_security: float = 100,
           profile: str = "conjectured") -> None:
    """Check a proof of ``air`` with ``public_inputs``; return None or raise VerificationError."""
    if not isinstance(proof, Proof):
        proof = Proof.from_bytes(proof)
    if air.num_bus_claims:
        raise VerificationError(f"{air.name} has bus claims: verify it with its other tables (verify_tables)")
    opts = proof.options
    n = proof.trace_length

    # ---- parameters --------------------------------------------------------------------------------
    bits = opts.security_bits(n, air.security_loss_bits(n), profile)
    if bits < min_security:
        raise SecurityError(f"proof gives {bits} bits of {profile} security, fewer than the {min_security} required")
    check_proof_shape(air, proof)

    # ---- transcript replay: steps 1-3 --------------------------------------------------------------
    t = init_transcript(air, opts, n, public_inputs)
    t.absorb(b"main-root", proof.main_root)
    challenges: list[Ext] = []
    if air.aux_width:
        challenges = t.draw_exts(air.num_challenges)
        t.absorb(b"aux-root", proof.aux_root)
    verify_after_aux(air, proof, public_inputs, t, challenges)


def check_proof_shape(air: Air, proof: Proof) -> None:
    """Every size in the proof is the one the AIR and the options imply (cheap; before any hashing)."""
    opts = proof.options
    n = proof.trace_length
    if n < air.min_trace_length:
        raise VerificationError(f"trace length {n} below the AIR's minimum {air.min_trace_length}")
    d = _ce_factor(air)
    if d > opts.blowup:
        raise VerificationError("blowup too small for the AIR's constraint degree")
    k = air.composition_chunks()
    if proof.ood_main.shape[1] != air.width or proof.ood_aux.shape[1] != air.aux_width:
        raise VerificationError("proof has the wrong trace width for this AIR")
    if (proof.aux_root is not None) != (air.aux_width > 0):
        raise VerificationError("auxiliary commitment present/absent contrary to the AIR")
    if proof.ood_comp.shape[0] != k:
        raise VerificationError("proof has the wrong number of composition chunks")
    n_layers = fri_num_layers(n, opts)
    if len(proof.fri_roots) != n_layers or len(proof.fri_layers) != n_layers:
        raise VerificationError("proof has the wrong number of FRI layers")
    rem_bound = n >> n_layers
    if proof.fri_remainder.shape[0] != rem_bound:
        raise VerificationError("FRI remainder has the wrong length")


def verify_after_aux(air: Air, proof: Proof, public_inputs: Any, t: Transcript, challenges: list[Ext],
                     claims: list[Ext] | None = None) -> None:
    """Steps 4-9 for one table, continuing transcript ``t`` after its main and auxiliary commitments.

    ``claims`` are the table's bus claims (only for AIRs that declare them); the proof's shape must
    already have passed :func:`check_proof_shape`.
    """
    opts = proof.options
    n = proof.trace_length
    L = n * opts.blowup
    log_n = n.bit_length() - 1
    k = air.composition_chunks()
    n_layers = fri_num_layers(n, opts)

    # ---- step 4-5: composition commitment, out-of-domain point ------------------------------------
    n_coeffs = composition_coefficient_count(air, public_inputs, n, challenges, claims)
    comp_coeffs = t.draw_exts(n_coeffs)
    t.absorb(b"comp-root", proof.comp_root)
    z = draw_ood_point(t, n, L)
    t.absorb_elements(b"ood", np.concatenate([proof.ood_main.ravel(), proof.ood_aux.ravel(), proof.ood_comp.ravel()]))

    # ---- step 5: the constraints at z -------------------------------------------------------------
    omega_n = two_adic_generator(log_n)
    cur = [Ext.from_array(v) for v in proof.ood_main[0]]
    nxt = [Ext.from_array(v) for v in proof.ood_main[1]]
    aux_cur = [Ext.from_array(v) for v in proof.ood_aux[0]]
    aux_nxt = [Ext.from_array(v) for v in proof.ood_aux[1]]
    q_z = composition_at(air, public_inputs, n, omega_n, z, cur, nxt, aux_cur, aux_nxt, challenges, comp_coeffs,
                         claims)
    chunks = [Ext.from_array(v) for v in proof.ood_comp]
    z_n = z ** n
    h_z = Ext.zero()
    zp = Ext.one()
    for h in chunks:
        h_z = h_z + zp * h
        zp = zp * z_n
    if q_z != h_z:
        raise VerificationError("out-of-domain check failed: the constraints do not hold at z")

    # ---- step 6: DEEP coefficients ----------------------------------------------------------------
    w, a = air.width, air.aux_width
    deep = t.draw_exts(2 * w + 2 * a + k)

    # ---- step 7: FRI commitments ------------------------------------------------------------------
    betas = []
    for root in proof.fri_roots:
        t.absorb(b"fri-root", root)
        betas.append(t.draw_ext())
    t.absorb_elements(b"fri-remainder", proof.fri_remainder)

    # ---- step 8: proof of work --------------------------------------------------------------------
    if not check_grind(t.grinding_seed(), proof.pow_nonce, opts.grinding_bits):
        raise VerificationError("proof-of-work nonce is invalid")
    t.absorb(b"pow", struct.pack("<Q", proof.pow_nonce))

    # ---- step 9: queries --------------------------------------------------------------------------
    drawn = t.draw_indices(opts.num_queries, L)
    positions = sorted(set(drawn))
    if positions != list(proof.positions):
        raise VerificationError("query positions do not match the transcript")
    depth = L.bit_length() - 1
    _check_rows(proof.main_root, depth, positions, proof.main_rows, proof.main_siblings, "main trace")
    if a:
        _check_rows(proof.aux_root, depth, positions, proof.aux_rows, proof.aux_siblings, "auxiliary trace")
    _check_rows(proof.comp_root, depth, positions, proof.comp_rows, proof.comp_siblings, "composition")

    omega_L = two_adic_generator(depth)
    z_next = z * omega_n
    c_main, c_main_next = deep[:w], deep[w:2 * w]
    c_aux, c_aux_next = deep[2 * w:2 * w + a], deep[2 * w + a:2 * w + 2 * a]
    c_comp = deep[2 * w + 2 * a:]
    # Σ c·T(z) and Σ c'·T(zω) do not depend on x: compute once.
    const_z = sum((c * v for c, v in zip(c_main + c_aux + c_comp, cur + aux_cur + chunks)), Ext.zero())
    const_zn = sum((c * v for c, v in zip(c_main_next + c_aux_next, nxt + aux_nxt)), Ext.zero())
    # Numerators Σ c_j·T_j(x) for every opened row at once (the same kernel the prover uses).
    num_z_rows = ek.combine_columns(proof.main_rows, _coeff_array(c_main))
    num_zn_rows = ek.combine_columns(proof.main_rows, _coeff_array(c_main_next))
    if a:
        num_z_rows = ek.ext_add(num_z_rows, ek.combine_columns(proof.aux_rows, _component_coeffs(c_aux)))
        num_zn_rows = ek.ext_add(num_zn_rows, ek.combine_columns(proof.aux_rows, _component_coeffs(c_aux_next)))
    num_z_rows = ek.ext_add(num_z_rows, ek.combine_columns(proof.comp_rows, _component_coeffs(c_comp)))
    xs = np.array([DOMAIN_SHIFT * pow(omega_L, pos, P) % P for pos in positions], dtype=np.uint64)
    x_ext = ek.base_to_ext(xs)
    inv_xz = ek.ext_batch_inv(ek.ext_sub(x_ext, z.to_array()[None, :]))
    inv_xzn = ek.ext_batch_inv(ek.ext_sub(x_ext, z_next.to_array()[None, :]))
    deep_rows = ek.ext_add(ek.ext_mul(ek.ext_sub(num_z_rows, const_z.to_array()[None, :]), inv_xz),
                           ek.ext_mul(ek.ext_sub(num_zn_rows, const_zn.to_array()[None, :]), inv_xzn))
    deep_values = {pos: Ext.from_array(deep_rows[qi]) for qi, pos in enumerate(positions)}

    verify_fri(proof, positions, deep_values, betas, L, n_layers)


def _coeff_array(coeffs: list[Ext]) -> np.ndarray:
    if not coeffs:
        return np.zeros((0, 5), dtype=np.uint64)
    return np.stack([c.to_array() for c in coeffs])


def _component_coeffs(coeffs: list[Ext]) -> np.ndarray:
    """Coefficients c_j·X^m for extension columns committed as 5 base components each."""
    out = np.empty((5 * len(coeffs), 5), dtype=np.uint64)
    for j, c in enumerate(coeffs):
        for m in range(5):
            out[5 * j + m] = (c * x_power(m)).to_array()
    return out


def _ce_factor(air: Air) -> int:
    """Size factor of the domain the prover evaluates constraints on: next power of two ≥ max degree."""
    d = max(2, air.max_degree())
    return 1 << (d - 1).bit_length()


def draw_ood_point(t: Transcript, n: int, L: int) -> Ext:
    """z outside the trace domain and the LDE coset (re-drawn in the negligible case it is not)."""
    shift_L = pow(DOMAIN_SHIFT, L, P)
    while True:
        z = t.draw_ext()
        if z ** n != Ext.one() and z ** L != Ext.from_base(shift_L):
            return z


def composition_at(air: Air, public_inputs: Any, n: int, omega_n: int, z: Ext, cur, nxt, aux_cur, aux_nxt,
                   challenges, coeffs: list[Ext], claims: list[Ext] | None = None) -> Ext:
    """Q(z) from trace values at z and z·ω (step 4's formula at one point)."""
    it = iter(coeffs)
    # Z_T(z)^{-1} = (z − ω^{n−1}) / (z^n − 1) for transitions; Z_H(z)^{-1} = 1/(z^n − 1) for cyclic ones.
    zh_inv = (z ** n - 1).inverse()
    zt_inv = (z - pow(omega_n, n - 1, P)) * zh_inv
    acc = Ext.zero()
    acc_cyclic = Ext.zero()
    cyclic = air.cyclic_transitions()
    for i, c in enumerate(air.evaluate_transition(cur, nxt, public_inputs)):
        if i in cyclic:
            acc_cyclic = acc_cyclic + next(it) * c
        else:
            acc = acc + next(it) * c
    aux_cs = air.evaluate_aux_transition(cur, nxt, aux_cur, aux_nxt, challenges, public_inputs) if air.aux_width else []
    aux_cyclic = air.cyclic_aux_transitions()
    for i, c in enumerate(aux_cs):
        if i in aux_cyclic:
            acc_cyclic = acc_cyclic + next(it) * c
        else:
            acc = acc + next(it) * c
    total = acc * zt_inv + acc_cyclic * zh_inv
    # Σ_b a_b·(T_b(z) − v_b)/(z − ω^{r_b}), with one inversion per distinct asserted row.
    by_row: dict[int, Ext] = {}
    for asr in air.assertions(public_inputs, n):
        by_row[asr.row] = by_row.get(asr.row, Ext.zero()) + next(it) * (cur[asr.column] - asr.value)
    if air.aux_width:
        for asr in aux_assertions_of(air, challenges, public_inputs, n, claims):
            by_row[asr.row] = by_row.get(asr.row, Ext.zero()) + next(it) * (aux_cur[asr.column] - asr.value)
    for row, num in by_row.items():
        total = total + num / (z - pow(omega_n, row, P))
    return total


def _check_rows(root: bytes, depth: int, positions: list[int], rows: np.ndarray, siblings: list[bytes], what: str):
    leaves = {pos: hash_leaf(elements_to_bytes(row)) for pos, row in zip(positions, rows)}
    try:
        verify_batch(root, depth, leaves, siblings)
    except VerificationError as exc:
        raise VerificationError(f"{what} opening: {exc}") from None


def verify_fri(proof: Proof, positions: list[int], deep_values: dict[int, Ext], betas: list[Ext], L: int,
               n_layers: int) -> None:
    """Check FRI: every opened pair is committed, each fold matches the next layer, the last the remainder."""
    inv2 = pow(2, P - 2, P)
    size = L
    shift = DOMAIN_SHIFT
    current = dict(deep_values)  # position in the current layer's domain -> claimed value
    for layer in range(n_layers):
        half = size // 2
        opening = proof.fri_layers[layer]
        leaf_idx = sorted({p % half for p in current})
        if opening.values.shape[0] != len(leaf_idx):
            raise VerificationError(f"FRI layer {layer}: wrong number of opened leaves")
        leaves = {i: hash_leaf(elements_to_bytes(v)) for i, v in zip(leaf_idx, opening.values)}
        try:
            verify_batch(proof.fri_roots[layer], half.bit_length() - 1, leaves, opening.siblings)
        except VerificationError as exc:
            raise VerificationError(f"FRI layer {layer} opening: {exc}") from None
        pairs = {i: (Ext.from_array(v[:5]), Ext.from_array(v[5:])) for i, v in zip(leaf_idx, opening.values)}
        omega = two_adic_generator(size.bit_length() - 1)
        beta = betas[layer]
        nxt: dict[int, Ext] = {}
        for p, val in current.items():
            i = p % half
            lo, hi = pairs[i]
            if (hi if p >= half else lo) != val:
                raise VerificationError(f"FRI layer {layer}: opened value differs from the folded value")
            x = shift * pow(omega, i, P) % P
            folded = (lo + hi) * inv2 + beta * (lo - hi) * pow(2 * x % P, P - 2, P)
            nxt[i] = folded
        current = nxt
        size = half
        shift = shift * shift % P
    omega = two_adic_generator(size.bit_length() - 1)
    coeffs = [Ext.from_array(c) for c in proof.fri_remainder]
    for p, val in current.items():
        x = Ext.from_base(shift * pow(omega, p, P) % P)
        acc = Ext.zero()
        for c in reversed(coeffs):
            acc = acc * x + c
        if acc != val:
            raise VerificationError("FRI remainder does not match the last layer")
