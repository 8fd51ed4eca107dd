"""Witness generation for copies: each CALLDATACOPY, CODECOPY or MCOPY step becomes its copy row, a
COPYSIZE row and one COPYUNIT row per read or write (see :mod:`circuits.vm.copy`); each KECCAK256 its
row and one COPYUNIT row per read, each LOGn its row, n LOGTOPIC rows and one COPYUNIT row per read
(see :mod:`circuits.vm.reads`).

:func:`expand` rewrites the list of step records (a short pass over the copy steps only) and returns,
for every row, the copy registers the constraints read; :func:`unit_words` computes the units' words
from the public source, whole-array.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from circuits.vm.opcodes import GROUP_OF_BYTE, Group

COPY_GROUPS = {int(Group.CALLDATACOPY), int(Group.CODECOPY), int(Group.MCOPY)}
READ_GROUPS = {int(Group.KECCAK256), int(Group.LOG)}
REGISTERS = ("dst", "src", "rem", "size", "kcd", "kcode", "kmc", "cpid", "u_rw", "u_rb", "u_ww", "u_wb", "lastu",
             "lastr", "read_of", "khash", "klog", "tidx", "kcall", "kret", "ccost", "xcall")
CALL_GROUPS = {int(Group.CALL), int(Group.STATICCALL), int(Group.CREATE)}


@dataclass
class CopyRows:
    """Per row (all rows, zero off copies): the copy registers and unit flags; ``read_of`` is, for an
    MCOPY write, the row of the read at the same position (−1 elsewhere)."""

    dst: np.ndarray
    src: np.ndarray
    rem: np.ndarray
    size: np.ndarray
    kcd: np.ndarray
    kcode: np.ndarray
    kmc: np.ndarray
    cpid: np.ndarray
    u_rw: np.ndarray
    u_rb: np.ndarray
    u_ww: np.ndarray
    u_wb: np.ndarray
    lastu: np.ndarray
    lastr: np.ndarray
    read_of: np.ndarray
    khash: np.ndarray
    klog: np.ndarray
    tidx: np.ndarray
    kcall: np.ndarray
    kret: np.ndarray
    ccost: np.ndarray
    xcall: np.ndarray
    calls: tuple = ()
    """The call records of the expanded CALL and STATICCALL steps, keyed by their head rows."""

    @property
    def byte(self) -> np.ndarray:
        return self.u_rb + self.u_wb

    @property
    def reads(self) -> np.ndarray:
        return self.u_rw + self.u_rb


def units_of(size: int) -> list[int]:
    """The lengths of a copy's units: 32-byte words, then single bytes for the tail."""
    return [32] * (size // 32) + [1] * (size % 32)


def expand(steps: list, record_type) -> tuple[list, CopyRows]:
    """The step records with every completing copy expanded into its rows, and the registers."""
    out = []
    calls = []
    regs: dict[str, list[int]] = {k: [] for k in REGISTERS}

    def push_regs(**values):
        for k in REGISTERS:
            regs[k].append(values.get(k, -1 if k == "read_of" else 0))

    for s in steps:
        group = GROUP_OF_BYTE[s.opcode]
        if group in READ_GROUPS and s.error is None:
            _expand_read(s, group, out, push_regs, record_type)
            continue
        if group in CALL_GROUPS and s.error is None:
            calls.append(_expand_call(s, out, push_regs, record_type))
            continue
        if group not in COPY_GROUPS or s.error is not None:
            out.append(s)
            push_regs()
            continue
        dst, src, size = s.pops
        kinds = {"kcd": int(group == Group.CALLDATACOPY), "kcode": int(group == Group.CODECOPY),
                 "kmc": int(group == Group.MCOPY)}
        cpid = len(out) if kinds["kmc"] else 0  # the copy row's index: its clk
        sp = s.stack_pointer_before
        out.append(replace(s, pops=(dst, src)))
        push_regs()
        out.append(record_type(s.pc, s.opcode, 0, sp - 2, (size,), (), group=int(Group.COPYSIZE)))
        push_regs(dst=dst, src=src, size=size, cpid=cpid, **kinds)
        lengths = units_of(size)
        read_rows = []
        if kinds["kmc"]:
            done = 0
            for j, length in enumerate(lengths):
                read_rows.append(len(out))
                out.append(record_type(s.pc, s.opcode, 0, sp - 3, (), (), group=int(Group.COPYUNIT)))
                push_regs(dst=dst, src=src + done, rem=size - done, size=size, cpid=cpid, u_rw=int(length == 32),
                          u_rb=int(length == 1), lastr=int(j == len(lengths) - 1), **kinds)
                done += length
        done = 0
        for j, length in enumerate(lengths):
            out.append(record_type(s.pc, s.opcode, 0, sp - 3, (), (), group=int(Group.COPYUNIT)))
            src_j = src + (size if kinds["kmc"] else 0) + done  # MCOPY's source register ran on through the reads
            push_regs(dst=dst + done, src=src_j, rem=size - done, size=size, cpid=cpid, u_ww=int(length == 32),
                      u_wb=int(length == 1), lastu=int(j == len(lengths) - 1),
                      read_of=read_rows[j] if read_rows else -1, **kinds)
            done += length
    arrays = {k: np.array(v, dtype=np.int64) for k, v in regs.items()}
    return out, CopyRows(**arrays, calls=tuple(calls))


def _expand_read(s, group: int, out: list, push_regs, record_type) -> None:
    """A KECCAK256 or LOGn step: its row (offset and size), LOGn's topic rows, the read units."""
    offset, size = s.pops[:2]
    topics = s.pops[2:]
    key = len(out)  # the step's row: its clk
    sp = s.stack_pointer_before
    out.append(replace(s, pops=(offset, size)))
    push_regs()
    regs = {"src": offset, "rem": size, "size": size, "cpid": key}
    for i, topic in enumerate(topics):
        out.append(record_type(s.pc, s.opcode, 0, sp - 2 - i, (topic,), (), group=int(Group.LOGTOPIC)))
        push_regs(tidx=i, **regs)
    sp_units = sp - 1 if group == Group.KECCAK256 else sp - 2 - len(topics)
    kind = {"khash": 1} if group == Group.KECCAK256 else {"klog": 1}
    lengths = units_of(size) if size else []
    done = 0
    for j, length in enumerate(lengths):
        out.append(record_type(s.pc, s.opcode, 0, sp_units, (), (), group=int(Group.COPYUNIT)))
        push_regs(src=offset + done, rem=size - done, size=size, cpid=key, u_rw=int(length == 32),
                  u_rb=int(length == 1), lastu=int(j == len(lengths) - 1), **kind)
        done += length


def _expand_call(s, out: list, push_regs, record_type):
    """A CALL or STATICCALL step (its record in ``s.call``): the head (the gas word), a CALLARG row per
    other word, the input's read units, CALLEND (success pushed, the record's cost), the output's write
    units (:mod:`circuits.vm.calls`).  Returns the record with its key, the head's row."""
    from circuits.vm.tables import LAST_ARG, call_first_arg

    record = replace(s.call, key=len(out))
    key, sp = record.key, s.stack_pointer_before
    out.append(replace(s, pops=s.pops[:1], pushes=()))
    push_regs()
    src, size = (record.in_offset, record.in_size) if record.in_size else (0, 0)
    first = call_first_arg(record.kind)
    region = record.out_offset if record.out_size else 0
    for i, word in enumerate(s.pops[1:]):
        out.append(record_type(s.pc, s.opcode, 0, sp - 1 - i, (word,), (), group=int(Group.CALLARG)))
        # the out_size row (the last) grows memory over the output region when it is not empty
        grows = int(first + i == LAST_ARG and record.kind != 0xF0 and record.out_size != 0)
        push_regs(tidx=first + i, cpid=key, src=src, size=size, rem=size, dst=region, xcall=grows)
    sp_after = sp - len(s.pops)
    lengths = units_of(size)
    done = 0
    for j, length in enumerate(lengths):
        out.append(record_type(s.pc, s.opcode, 0, sp_after, (), (), group=int(Group.COPYUNIT)))
        push_regs(src=src + done, rem=size - done, size=size, cpid=key, u_rw=int(length == 32),
                  u_rb=int(length == 1), lastu=int(j == len(lengths) - 1), kcall=1)
        done += length
    n = record.written
    dst = record.out_offset if n else 0
    out.append(record_type(s.pc, s.opcode, 0, sp_after, (), (record.pushed,), group=int(Group.CALLEND)))
    push_regs(cpid=key, dst=dst, size=n, rem=n, ccost=record.cost)
    done = 0
    lengths = units_of(n)
    for j, length in enumerate(lengths):
        out.append(record_type(s.pc, s.opcode, 0, sp_after + 1, (), (), group=int(Group.COPYUNIT)))
        push_regs(dst=dst + done, src=dst + done, rem=n - done, size=n, cpid=key, u_ww=int(length == 32),
                  u_wb=int(length == 1), lastu=int(j == len(lengths) - 1), kret=1)
        done += length
    return record


def unit_words(src: np.ndarray, data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(words, past_end) of units reading ``data``: the 32 bytes from src (zero past the data) as
    little-endian limbs, and whether src is at or past the data's end (the word is then 0)."""
    padded = np.frombuffer(data + bytes(64), dtype=np.uint8).astype(np.int64)
    past = src >= len(data)
    index = np.clip(src, 0, len(padded) - 32)[:, None] + np.arange(32)[None, :]
    words = padded[index][:, ::-1].copy()
    words[past] = 0
    return words, past
