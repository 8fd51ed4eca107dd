"""Security accounting for STARK proofs: how many bits a set of proof options buys.

Conjectured security (the ethSTARK / winterfell convention):

    λ = min(q · log2(B) + g,  log2|F_ext| − log2(T · B) − loss) − 1,   capped by the hash (128 bits
        of collision resistance for a 256-bit digest),

with q queries, blowup B, g grinding bits, trace length T, and ``loss`` the bits lost to batching (the
AIR reports it, e.g. LogUp sums over many fractions).  The composition and DEEP polynomials use
independent random coefficients per term, so they cost no batching loss.

The ``proven`` profile counts queries in the unique-decoding regime, where each query buys only
−log2((1 + ρ)/2) bits for rate ρ = 1/B (≈ 0.83 at B = 8), so ~97 queries with 20 grinding bits.
"""

from __future__ import annotations

import math

from circuits.extension import LOG2_SIZE

HASH_COLLISION_BITS = 128
PROFILES = ("conjectured", "proven")


def query_bits(blowup: int, profile: str = "conjectured") -> float:
    """Bits of soundness one FRI query buys."""
    if profile == "conjectured":
        return math.log2(blowup)
    if profile == "proven":
        rho = 1.0 / blowup
        return -math.log2((1.0 + rho) / 2.0)
    raise ValueError(f"unknown security profile {profile!r} (choose from {', '.join(PROFILES)})")


def field_bits(trace_length: int, blowup: int, loss_bits: float = 0.0) -> float:
    return LOG2_SIZE - math.log2(trace_length * blowup) - loss_bits


def security_bits(num_queries: int, grinding_bits: int, blowup: int, trace_length: int,
                  loss_bits: float = 0.0, profile: str = "conjectured") -> float:
    """λ for these parameters (see the module docstring), rounded down to 0.1 bit."""
    q = num_queries * query_bits(blowup, profile) + grinding_bits
    f = field_bits(trace_length, blowup, loss_bits)
    bits = min(q, f, HASH_COLLISION_BITS) - 1.0
    return math.floor(bits * 10) / 10


def queries_for(target_bits: float, grinding_bits: int, blowup: int, profile: str = "conjectured") -> int:
    """The fewest queries giving at least ``target_bits`` from the query term."""
    need = target_bits + 1.0 - grinding_bits
    if need <= 0:
        return 1
    return max(1, math.ceil(need / query_bits(blowup, profile) - 1e-12))
