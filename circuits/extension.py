"""The degree-5 extension field F_p[X] / (X^5 − 2) over BabyBear.

Why quintic: Fiat–Shamir challenges, the out-of-domain point, DEEP and FRI all live in this field,
and the STARK's field term of the security bound is log2|F_ext| − log2(trace_len · blowup).  The quartic
X^4 − 11 gives log2|F| = 123.6 (≈ 99 bits at 2^20 rows × blowup 8), the quintic gives 154.5 and clears
100 bits at every size we run.  X^5 − 2 is irreducible over BabyBear because 5 | p − 1 and 2 is not a
fifth power mod p (checked in the tests with galois).

Multiplication: with X^5 = 2,
    (a·b)_k = Σ_{i+j=k} a_i b_j + 2 · Σ_{i+j=k+5} a_i b_j      for k = 0..4.

Two representations:
* :class:`Ext` — one element as a tuple of 5 Python ints; used by the verifier (scalar work only).
* arrays of shape (n, 5), dtype uint64 — many elements at once, for the prover; the arithmetic kernels
  live in :mod:`circuits.ext_kernels`.
"""

from __future__ import annotations

import math
from typing import Iterable

import numpy as np

from circuits.field import P

DEGREE = 5
W = 2
"""X^5 = W."""

LOG2_SIZE = DEGREE * math.log2(P)
"""log2 |F_ext| ≈ 154.5."""


def _mul5(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    a0, a1, a2, a3, a4 = a
    b0, b1, b2, b3, b4 = b
    c0 = a0 * b0 + W * (a1 * b4 + a2 * b3 + a3 * b2 + a4 * b1)
    c1 = a0 * b1 + a1 * b0 + W * (a2 * b4 + a3 * b3 + a4 * b2)
    c2 = a0 * b2 + a1 * b1 + a2 * b0 + W * (a3 * b4 + a4 * b3)
    c3 = a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0 + W * (a4 * b4)
    c4 = a0 * b4 + a1 * b3 + a2 * b2 + a3 * b1 + a4 * b0
    return (c0 % P, c1 % P, c2 % P, c3 % P, c4 % P)


class Ext:
    """An element of F_p^5 as five canonical coefficients (c0 + c1·X + … + c4·X^4).

    Supports +, −, *, /, ** with other Ext values and Python ints (ints embed as base-field elements),
    so constraint code written once evaluates on verifier scalars.
    """

    __slots__ = ("c",)

    def __init__(self, coeffs: Iterable[int] = (0, 0, 0, 0, 0)):
        c = tuple(int(x) % P for x in coeffs)
        if len(c) != DEGREE:
            raise ValueError("an extension element has exactly 5 coefficients")
        self.c = c

    @classmethod
    def _raw(cls, c: tuple[int, ...]) -> "Ext":
        """Wrap five coefficients already reduced mod p (internal fast path)."""
        r = cls.__new__(cls)
        r.c = c
        return r

    @classmethod
    def from_base(cls, x: int) -> "Ext":
        return cls._raw((int(x) % P, 0, 0, 0, 0))

    @classmethod
    def zero(cls) -> "Ext":
        return cls()

    @classmethod
    def one(cls) -> "Ext":
        return cls((1, 0, 0, 0, 0))

    @staticmethod
    def _coerce(other) -> tuple[int, ...] | None:
        if isinstance(other, Ext):
            return other.c
        if isinstance(other, (int, np.integer)):
            return (int(other) % P, 0, 0, 0, 0)
        return None

    def __add__(self, other):
        o = other.c if type(other) is Ext else self._coerce(other)
        if o is None:
            return NotImplemented
        a = self.c
        return Ext._raw(((a[0] + o[0]) % P, (a[1] + o[1]) % P, (a[2] + o[2]) % P, (a[3] + o[3]) % P,
                         (a[4] + o[4]) % P))

    __radd__ = __add__

    def __sub__(self, other):
        o = other.c if type(other) is Ext else self._coerce(other)
        if o is None:
            return NotImplemented
        a = self.c
        return Ext._raw(((a[0] - o[0]) % P, (a[1] - o[1]) % P, (a[2] - o[2]) % P, (a[3] - o[3]) % P,
                         (a[4] - o[4]) % P))

    def __rsub__(self, other):
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        return Ext(tuple(y - x for x, y in zip(self.c, o)))

    def __neg__(self):
        return Ext(tuple(-x for x in self.c))

    def __mul__(self, other):
        if type(other) is Ext:
            r = Ext.__new__(Ext)
            r.c = _mul5(self.c, other.c)
            return r
        if isinstance(other, (int, np.integer)):
            k = int(other) % P
            a = self.c
            return Ext._raw((a[0] * k % P, a[1] * k % P, a[2] * k % P, a[3] * k % P, a[4] * k % P))
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        r = Ext.__new__(Ext)
        r.c = _mul5(self.c, o)
        return r

    __rmul__ = __mul__

    def __pow__(self, e: int):
        if e < 0:
            return self.inverse() ** (-e)
        result = Ext.one()
        base = self
        while e:
            if e & 1:
                result = result * base
            base = base * base
            e >>= 1
        return result

    def frobenius(self) -> "Ext":
        """x ↦ x^p: X^p = X · W^((p−1)/5), so coefficient i is scaled by W^(i(p−1)/5)."""
        g = pow(W, (P - 1) // DEGREE, P)
        return Ext(tuple(ci * pow(g, i, P) for i, ci in enumerate(self.c)))

    def inverse(self) -> "Ext":
        """1/x = x^(r−1) / N(x) with r = 1 + p + … + p^4 and N(x) = x^r in the base field.

        x^(r−1) = x^p · x^(p^2) · x^(p^3) · x^(p^4) is four Frobenius maps, so no long exponentiation.
        """
        if not any(self.c):
            raise ZeroDivisionError("inverse of zero in the extension field")
        f1 = self.frobenius()
        f2 = f1.frobenius()
        f3 = f2.frobenius()
        f4 = f3.frobenius()
        conj = f1 * f2 * f3 * f4
        norm = (self * conj).c
        assert norm[1:] == (0, 0, 0, 0), "norm must lie in the base field"
        n_inv = pow(norm[0], P - 2, P)
        return conj * n_inv

    def __truediv__(self, other):
        o = other if isinstance(other, Ext) else Ext.from_base(int(other))
        return self * o.inverse()

    def __rtruediv__(self, other):
        return Ext.from_base(int(other)) * self.inverse()

    def __eq__(self, other):
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        return self.c == o

    def __hash__(self):
        return hash(self.c)

    def __repr__(self):
        return f"Ext({list(self.c)})"

    def is_zero(self) -> bool:
        return not any(self.c)

    def to_array(self) -> np.ndarray:
        return np.array(self.c, dtype=np.uint64)

    @classmethod
    def from_array(cls, arr) -> "Ext":
        a = [int(x) % P for x in arr]
        if len(a) != DEGREE:
            raise ValueError("an extension element has exactly 5 coefficients")
        return cls._raw(tuple(a))


EXT_GEN_X = Ext((0, 1, 0, 0, 0))
"""The element X (a root of X^5 − 2)."""


def x_power(m: int) -> Ext:
    """X^m as an extension element (the basis element of coefficient m)."""
    c = [0] * DEGREE
    c[m] = 1
    return Ext(c)
