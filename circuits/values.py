"""Field-valued vectors with arithmetic operators, so one constraint function runs everywhere.

An AIR writes each constraint once, e.g. ``nxt[1] - (cur[0] + cur[1])``.  The same Python code is run on
* :class:`BaseVec` — a whole column of base-field values (the prover, all rows at once),
* :class:`ExtVec` — a whole column of extension values (auxiliary LogUp columns in the prover),
* :class:`circuits.extension.Ext` — one out-of-domain value (the verifier),
* :class:`Degree` — a symbolic degree (checks declared constraint degrees).
Python ints mix with all of them as constants.
"""

from __future__ import annotations

import numpy as np

from circuits import ext_kernels as ek
from circuits import field as F
from circuits.extension import Ext

_P = np.uint64(F.P)


class BaseVec:
    """A vector of base-field elements (uint64, canonical)."""

    __slots__ = ("v",)
    __array_priority__ = 100

    def __init__(self, v: np.ndarray):
        self.v = v

    def _lift(self) -> "ExtVec":
        return ExtVec(ek.base_to_ext(self.v))

    def __add__(self, o):
        if isinstance(o, BaseVec):
            return BaseVec(F.add(self.v, o.v))
        if isinstance(o, int):
            return BaseVec(F.add(self.v, np.uint64(o % F.P)))
        if isinstance(o, (ExtVec, Ext)):
            return self._lift() + o
        return NotImplemented

    __radd__ = __add__

    def __sub__(self, o):
        if isinstance(o, BaseVec):
            return BaseVec(F.sub(self.v, o.v))
        if isinstance(o, int):
            return BaseVec(F.add(self.v, np.uint64((-o) % F.P)))
        if isinstance(o, (ExtVec, Ext)):
            return self._lift() - o
        return NotImplemented

    def __rsub__(self, o):
        if isinstance(o, int):
            return BaseVec(F.add(F.neg(self.v), np.uint64(o % F.P)))
        if isinstance(o, Ext):
            return ExtVec.const(o, len(self.v)) - self
        return NotImplemented

    def __neg__(self):
        return BaseVec(F.neg(self.v))

    def __mul__(self, o):
        if isinstance(o, BaseVec):
            return BaseVec(F.mul(self.v, o.v))
        if isinstance(o, int):
            return BaseVec(F.mul(self.v, np.uint64(o % F.P)))
        if isinstance(o, Ext):
            return ExtVec(ek.ext_mul_base(np.broadcast_to(o.to_array(), (len(self.v), 5)).copy(), self.v))
        if isinstance(o, ExtVec):
            return ExtVec(ek.ext_mul_base(o.v, self.v))
        return NotImplemented

    __rmul__ = __mul__

    def __pow__(self, e: int):
        return BaseVec(F.pow_array(self.v, e))

    def __len__(self):
        return len(self.v)


class ExtVec:
    """A vector of extension-field elements, shape (n, 5)."""

    __slots__ = ("v",)
    __array_priority__ = 100

    def __init__(self, v: np.ndarray):
        self.v = v

    @classmethod
    def const(cls, e: Ext, n: int) -> "ExtVec":
        return cls(np.tile(e.to_array(), (n, 1)))

    def _other(self, o) -> np.ndarray | None:
        if isinstance(o, ExtVec):
            return o.v
        if isinstance(o, BaseVec):
            return ek.base_to_ext(o.v)
        if isinstance(o, Ext):
            return o.to_array()[None, :]
        if isinstance(o, int):
            a = np.zeros((1, 5), dtype=np.uint64)
            a[0, 0] = o % F.P
            return a
        return None

    def __add__(self, o):
        ov = self._other(o)
        if ov is None:
            return NotImplemented
        return ExtVec(ek.ext_add(self.v, ov))

    __radd__ = __add__

    def __sub__(self, o):
        ov = self._other(o)
        if ov is None:
            return NotImplemented
        return ExtVec(ek.ext_sub(self.v, ov))

    def __rsub__(self, o):
        ov = self._other(o)
        if ov is None:
            return NotImplemented
        return ExtVec(ek.ext_sub(np.broadcast_to(ov, self.v.shape), self.v))

    def __neg__(self):
        return ExtVec(ek.ext_neg(self.v))

    def __mul__(self, o):
        if isinstance(o, ExtVec):
            return ExtVec(ek.ext_mul(self.v, o.v))
        if isinstance(o, BaseVec):
            return ExtVec(ek.ext_mul_base(self.v, o.v))
        if isinstance(o, Ext):
            return ExtVec(ek.ext_mul_scalar(self.v, o.to_array()))
        if isinstance(o, int):
            return ExtVec((self.v * np.uint64(o % F.P)) % _P)
        return NotImplemented

    __rmul__ = __mul__

    def __len__(self):
        return self.v.shape[0]


class Degree:
    """Symbolic degree of an expression in the trace columns (constants have degree 0)."""

    __slots__ = ("d",)

    def __init__(self, d: int):
        self.d = d

    @staticmethod
    def _d(o) -> int | None:
        if isinstance(o, Degree):
            return o.d
        if isinstance(o, (int, Ext)):
            return 0
        return None

    def __add__(self, o):
        d = self._d(o)
        return NotImplemented if d is None else Degree(max(self.d, d))

    __radd__ = __add__
    __sub__ = __add__
    __rsub__ = __add__

    def __neg__(self):
        return self

    def __mul__(self, o):
        d = self._d(o)
        return NotImplemented if d is None else Degree(self.d + d)

    __rmul__ = __mul__

    def __pow__(self, e: int):
        return Degree(self.d * e)
