"""A wide AIR for benchmarking: a hash-chain-like permutation with degree-3 constraints.

Each row is a state of ``width`` field elements; the next row is

    s'_j = (s_j + c_j)^3 + s_{(j+1) mod width}

(a cube S-box on every column followed by a rotation-add mixing step, in the spirit of MiMC/Rescue
rounds; the round constants c_j are fixed per column).  It is *not* a secure hash: it exists to give
the prover a realistic shape — many columns, every constraint of degree 3 — at any size.

Public inputs: the seed the first row is derived from (s_j = seed + j) and the last row's column 0.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np
from numba import njit

from circuits.air import Air, Assertion
from circuits.field import P


def round_constants(width: int) -> np.ndarray:
    """c_j = (j · 0x9E3779B9 + 7) mod p: fixed, distinct, nothing up our sleeve."""
    return (np.arange(width, dtype=np.uint64) * np.uint64(0x9E3779B9) + np.uint64(7)) % np.uint64(P)


@dataclass(frozen=True)
class HashChainInputs:
    seed: int
    output: int


class HashChainAir(Air):
    name = "hash-chain"
    min_trace_length = 4

    def __init__(self, width: int = 64):
        if width < 2:
            raise ValueError("the hash-chain AIR needs at least 2 columns")
        self.width = width
        self.constants = [int(c) for c in round_constants(width)]

    def params_bytes(self) -> bytes:
        return struct.pack("<I", self.width)

    def public_inputs_bytes(self, pi: HashChainInputs) -> bytes:
        return struct.pack("<II", pi.seed % P, pi.output % P)

    def transition_names(self):
        return [f"s'{j} = (s{j} + c{j})^3 + s{(j + 1) % self.width}" for j in range(self.width)]

    def transition_degrees(self):
        return [3] * self.width

    def evaluate_transition(self, cur, nxt, pi):
        w = self.width
        out = []
        for j in range(w):
            t = cur[j] + self.constants[j]
            out.append(nxt[j] - (t * t * t + cur[(j + 1) % w]))  # s'_j = (s_j + c_j)^3 + s_{j+1}
        return out

    def assertions(self, pi: HashChainInputs, n: int):
        first = [Assertion(j, 0, (pi.seed + j) % P, f"s{j}[0] = seed + {j}") for j in range(self.width)]
        return first + [Assertion(0, n - 1, pi.output, "output")]


@njit(cache=True)
def _chain(n: int, width: int, seed: int, consts: np.ndarray) -> np.ndarray:
    p = np.uint64(P)
    out = np.empty((n, width), dtype=np.uint64)
    for j in range(width):
        out[0, j] = (np.uint64(seed) + np.uint64(j)) % p
    for i in range(n - 1):  # sequential by nature: each row is the previous row's successor
        for j in range(width):
            t = (out[i, j] + consts[j]) % p
            out[i + 1, j] = ((t * t % p) * t + out[i, (j + 1) % width]) % p
    return out


def hash_chain_trace(n: int, width: int = 64, seed: int = 1) -> tuple[np.ndarray, HashChainInputs]:
    trace = _chain(n, width, seed % P, round_constants(width))
    return trace, HashChainInputs(seed % P, int(trace[-1, 0]))
