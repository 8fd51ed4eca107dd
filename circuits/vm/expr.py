"""Shared building blocks of the execution circuit's constraints.

A :class:`Constraint` is a name, an expression over the values of a row (and its successor), the
degree it is declared with and whether it is *cyclic*.  Constraints that read only the current row
are cyclic: they must hold on every row, the last one included (the STARK's non-cyclic transitions
skip the last row, and a constraint that skipped it would leave that row free).

The expressions here are written once and evaluated on whole columns (prover), on one out-of-domain
point (verifier) and on :class:`~circuits.values.Degree` symbols (declared-degree checks).
"""

from __future__ import annotations

from typing import Any, Iterable, NamedTuple, Sequence

import numpy as np

from circuits import ext_kernels as ek
from circuits.extension import Ext
from circuits.field import P
from circuits.values import BaseVec, ExtVec
from circuits.vm.layout import Row
from circuits.vm.opcodes import SPECS, Group


_P = np.uint64(P)


class Constraint(NamedTuple):
    name: str
    expr: Any
    degree: int
    cyclic: bool


def total(values: Iterable) -> Any:
    """Σ values (0 for none)."""
    acc = 0
    for v in values:
        acc = v if isinstance(acc, int) and acc == 0 else acc + v
    return acc


def weighted(coeffs: Sequence[int], values: Sequence) -> Any:
    """Σ coeffs[i] · values[i] for integer coefficients (zero coefficients skipped)."""
    return total(v * c if c != 1 else v for c, v in zip(coeffs, values) if c)


def packed(limbs: Sequence, base: int = 256) -> Any:
    """Σ limbs[i] · base^i."""
    return weighted([base ** i for i in range(len(limbs))], list(limbs))


def pairs(limbs: Sequence) -> list:
    """A word's 16 byte pairs: p_k = b_{2k} + 2^8 b_{2k+1}."""
    return [limbs[2 * k] + limbs[2 * k + 1] * 256 for k in range(len(limbs) // 2)]


def chunks3(limbs: Sequence) -> list:
    """A word's eleven 3-byte chunks, as the bytecode table stores PUSH values."""
    out = []
    for k in range(11):
        part = limbs[3 * k:3 * k + 3]
        out.append(packed(part))
    return out


def lincomb(coeffs: Sequence, values: Sequence) -> Any:
    """Σ coeffs[j] · values[j] with extension coefficients.

    On whole columns this is one pass of :func:`circuits.ext_kernels.combine_columns`; anywhere else
    (the verifier's single point, degree symbols) it is the plain sum.
    """
    if values and all(isinstance(v, BaseVec) for v in values) and all(isinstance(c, (Ext, int)) for c in coeffs):
        m = np.stack([v.v for v in values], axis=1)
        c = np.stack([(x if isinstance(x, Ext) else Ext.from_base(x)).to_array() for x in coeffs])
        return ExtVec(ek.combine_columns(np.ascontiguousarray(m), c))
    return total(c * v for c, v in zip(coeffs, values))


def family(fn, *args) -> list:
    """[fn(a_k, b_k, …) for each limb k] where list arguments give one value per limb and any other
    argument is shared by every limb.

    On whole columns the lists are stacked into one (limbs, rows) array and ``fn`` runs once on it
    (one numpy operation per arithmetic step instead of one per limb); elsewhere it runs limb by limb.
    """
    lists = [a for a in args if isinstance(a, (list, tuple))]
    count = len(lists[0])
    flat = [v for a in lists for v in a]
    if any(isinstance(v, BaseVec) for v in flat) and all(isinstance(v, (BaseVec, int)) for v in flat):
        n = next(len(v) for v in flat if isinstance(v, BaseVec))

        def stacked(a):
            if not isinstance(a, (list, tuple)):
                return a
            return BaseVec(np.stack([v.v if isinstance(v, BaseVec) else np.full(n, v % P, dtype=np.uint64)
                                     for v in a]))

        out = fn(*(stacked(a) for a in args))
        return [BaseVec(out.v[k]) for k in range(count)]
    return [fn(*(a[k] if isinstance(a, (list, tuple)) else a for a in args)) for k in range(count)]


def named(exprs: list, name: str, degree: int, cyclic: bool) -> list["Constraint"]:
    """One constraint per limb, named ``name.format(k)``."""
    return [Constraint(name.format(k), e, degree, cyclic) for k, e in enumerate(exprs)]


def scale(c: Any, v: Any) -> Any:
    """c · v for an extension value c and a base value v.

    On whole columns this is a plain numpy product (no kernel launch: the columns the execution
    circuit scales are short and many); elsewhere the ordinary product.
    """
    if isinstance(v, BaseVec):
        if isinstance(c, Ext):
            return ExtVec((v.v[:, None] * c.to_array()[None, :]) % _P)
        if isinstance(c, ExtVec):
            return ExtVec((c.v * v.v[:, None]) % _P)
    return c * v


def by_spec(row: Row, value_of) -> Any:
    """Σ_g value_of(spec_g) · s_g over the groups where that value is non-zero (linear in selectors)."""
    picked = [(value_of(g, spec), row.s(g)) for g, spec in SPECS.items()]
    picked = [(k, s) for k, s in picked if k]
    return weighted([k for k, _ in picked], [s for _, s in picked]) if picked else 0


def err(row: Row) -> Any:
    """1 on a step that halts exceptionally (out of gas, stack underflow or overflow, invalid jump
    destination, INVALID, return data read out of bounds, a write in a static frame), else 0."""
    return row.e_oog + row.e_uf + row.e_of + row.e_jd + row.s(Group.INVALID) + row.e_rd + row.e_st


def pops(row: Row) -> Any:
    """1 when the step takes its operands off the stack: it completes, or it halts on an invalid jump
    destination (the target, and JUMPI's condition, are read before the halt) or on a return data read
    out of bounds (RDSIZE's size is read before the halt)."""
    return ok(row) + row.e_jd + row.e_rd


def ok(row: Row) -> Any:
    """1 − err: the step runs to completion (live rows), also 1 on padding rows."""
    return 1 - err(row)


def live(row: Row) -> Any:
    return 1 - row.halted


def static_gas(row: Row) -> Any:
    return by_spec(row, lambda g, s: s.gas)


def stack_need(row: Row) -> Any:
    """Words the step needs on the stack: the group's count, plus n for DUPn, SWAPn and LOGn."""
    return by_spec(row, lambda g, s: s.need) + (row.s(Group.DUP) + row.s(Group.SWAP) + row.s(Group.LOG)) * row.n


def stack_delta(row: Row) -> Any:
    return by_spec(row, lambda g, s: s.delta)


def group_code(row: Row) -> Any:
    """Σ_g g · s_g: the code the bytecode table stores for the opcode at pc."""
    return by_spec(row, lambda g, s: int(g))
