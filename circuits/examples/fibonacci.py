"""Fibonacci AIR: two columns (a, b) with a' = b and b' = a + b.

Public inputs: the first pair (a_0, b_0) and the claimed value of b on the last row.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np
from numba import njit

from circuits.air import Air, Assertion
from circuits.field import P


@dataclass(frozen=True)
class FibonacciInputs:
    a0: int
    b0: int
    result: int


class FibonacciAir(Air):
    name = "fibonacci"
    width = 2
    min_trace_length = 4

    def public_inputs_bytes(self, pi: FibonacciInputs) -> bytes:
        return struct.pack("<III", pi.a0 % P, pi.b0 % P, pi.result % P)

    def transition_names(self):
        return ["a' = b", "b' = a + b"]

    def transition_degrees(self):
        return [1, 1]

    def evaluate_transition(self, cur, nxt, pi):
        a, b = cur
        return [nxt[0] - b,          # a' = b
                nxt[1] - (a + b)]    # b' = a + b

    def assertions(self, pi: FibonacciInputs, n: int):
        return [Assertion(0, 0, pi.a0, "a_0"), Assertion(1, 0, pi.b0, "b_0"),
                Assertion(1, n - 1, pi.result, "result")]


@njit(cache=True)
def _fib_columns(n: int, a0: int, b0: int) -> np.ndarray:
    out = np.empty((n, 2), dtype=np.uint64)
    a = np.uint64(a0)
    b = np.uint64(b0)
    p = np.uint64(P)
    for i in range(n):  # sequential by nature: each row is the previous row's successor
        out[i, 0] = a
        out[i, 1] = b
        a, b = b, (a + b) % p
    return out


def fibonacci_trace(n: int, a0: int = 1, b0: int = 1) -> tuple[np.ndarray, FibonacciInputs]:
    """The n-row trace starting at (a0, b0) and its public inputs."""
    trace = _fib_columns(n, a0 % P, b0 % P)
    return trace, FibonacciInputs(a0 % P, b0 % P, int(trace[-1, 1]))
