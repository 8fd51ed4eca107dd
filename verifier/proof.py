"""The STARK proof object, its options, and its versioned byte format.

Layout of the serialized proof (all integers little-endian; a field element is a u32 that must be
canonical, i.e. < p; an extension element is 5 of them; a digest is 32 bytes):

    magic "L2SP" | version u16
    options: blowup_log u8 | num_queries u16 | grinding_bits u8 | fri_remainder_log u8
    trace_length_log u8
    main_root | has_aux u8 | [aux_root] | comp_root
    ood:  main_width u16 | 2·main_width ext | aux_width u16 | 2·aux_width ext | chunks u8 | chunks ext
    fri:  layers u8 | layers × root | remainder_len u32 | remainder_len ext
    pow_nonce u64
    queries: count u16 | count × position u32
        main rows (count × main_width elements) | siblings
        [aux rows (count × 5·aux_width) | siblings]
        comp rows (count × 5·chunks) | siblings
        per FRI layer: leaves u16 | leaves × 10 elements | siblings
    where "siblings" is count u32 | count × digest.

Every count is checked against the bytes that remain before anything is allocated, so malformed input
fails fast with :class:`ProofFormatError`, and trailing bytes are refused: every byte is bound.

Everything after the options is the proof's *body* (:func:`write_proof_body`, :func:`read_proof_body`);
the multi-table format of :mod:`verifier.multi_proof` stores one body per table under shared options.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

from circuits.field import P
from verifier.errors import ProofFormatError
from verifier.security import queries_for, security_bits

MAGIC = b"L2SP"
VERSION = 1
DIGEST = 32


@dataclass(frozen=True)
class ProofOptions:
    """Parameters of one proof; all of them are absorbed into the transcript and carried in the proof."""

    blowup: int = 8
    num_queries: int = 29
    grinding_bits: int = 16
    fri_remainder_log: int = 5
    """FRI folds until the degree bound is at most 2^fri_remainder_log, then sends that polynomial."""

    def __post_init__(self):
        if self.blowup < 2 or self.blowup & (self.blowup - 1) or self.blowup > 256:
            raise ValueError("blowup must be a power of two between 2 and 256")
        if not 1 <= self.num_queries <= 1024:
            raise ValueError("num_queries must be between 1 and 1024")
        if not 0 <= self.grinding_bits <= 32:
            raise ValueError("grinding_bits must be between 0 and 32")
        if not 0 <= self.fri_remainder_log <= 16:
            raise ValueError("fri_remainder_log must be between 0 and 16")

    @property
    def blowup_log(self) -> int:
        return self.blowup.bit_length() - 1

    def to_bytes(self) -> bytes:
        return struct.pack("<BHBB", self.blowup_log, self.num_queries, self.grinding_bits,
                           self.fri_remainder_log)

    def security_bits(self, trace_length: int, loss_bits: float = 0.0, profile: str = "conjectured") -> float:
        return security_bits(self.num_queries, self.grinding_bits, self.blowup, trace_length,
                             loss_bits, profile)

    @classmethod
    def for_security(cls, target_bits: float = 100, blowup: int = 8, grinding_bits: int = 16,
                     profile: str = "conjectured", fri_remainder_log: int = 5) -> "ProofOptions":
        """The fewest queries reaching ``target_bits`` from the query term at this blowup and grinding."""
        q = queries_for(target_bits, grinding_bits, blowup, profile)
        return cls(blowup=blowup, num_queries=q, grinding_bits=grinding_bits,
                   fri_remainder_log=fri_remainder_log)


@dataclass(frozen=True)
class FriLayerOpening:
    """Opened leaves of one FRI layer: each leaf holds the pair (f(x), f(−x)) as 2 extension elements."""

    values: np.ndarray  # (leaves, 10) canonical elements
    siblings: list[bytes]


@dataclass(frozen=True)
class Proof:
    options: ProofOptions
    trace_length: int
    main_root: bytes
    aux_root: bytes | None
    comp_root: bytes
    ood_main: np.ndarray  # (2, main_width, 5): trace polynomials at z and z·ω
    ood_aux: np.ndarray  # (2, aux_width, 5)
    ood_comp: np.ndarray  # (chunks, 5): composition chunks at z
    fri_roots: list[bytes]
    fri_remainder: np.ndarray  # (len, 5): coefficients of the last FRI layer's polynomial
    pow_nonce: int
    positions: list[int]  # sorted unique query positions in the LDE domain
    main_rows: np.ndarray  # (count, main_width)
    main_siblings: list[bytes]
    aux_rows: np.ndarray  # (count, 5·aux_width)
    aux_siblings: list[bytes]
    comp_rows: np.ndarray  # (count, 5·chunks)
    comp_siblings: list[bytes]
    fri_layers: list[FriLayerOpening] = field(default_factory=list)

    # ------------------------------------------------------------------ bytes
    def to_bytes(self) -> bytes:
        w = Writer()
        w.raw(MAGIC)
        w.u16(VERSION)
        w.raw(self.options.to_bytes())
        write_proof_body(w, self)
        return w.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "Proof":
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise ProofFormatError("proof must be bytes")
        r = Reader(bytes(data))
        if r.raw(4) != MAGIC:
            raise ProofFormatError("not a proof (bad magic bytes)")
        version = r.u16()
        if version != VERSION:
            raise ProofFormatError(f"unsupported proof version {version} (this verifier reads {VERSION})")
        options = read_options(r)
        proof = read_proof_body(r, options)
        r.finish()
        return proof


def read_options(r: "Reader") -> ProofOptions:
    """The 5-byte options record (blowup_log u8 | num_queries u16 | grinding_bits u8 | remainder_log u8)."""
    blowup_log, nq, grind, rem_log = struct.unpack("<BHBB", r.raw(5))
    if blowup_log > 8:
        raise ProofFormatError("blowup out of range")
    try:
        return ProofOptions(1 << blowup_log, nq, grind, rem_log)
    except ValueError as exc:
        raise ProofFormatError(f"bad proof options: {exc}") from None


def write_proof_body(w: "Writer", p: Proof) -> None:
    """Everything of a proof after its options (from ``trace_length_log`` on); the options are not written."""
    w.u8(p.trace_length.bit_length() - 1)
    w.digest(p.main_root)
    w.u8(1 if p.aux_root is not None else 0)
    if p.aux_root is not None:
        w.digest(p.aux_root)
    w.digest(p.comp_root)
    w.u16(p.ood_main.shape[1])
    w.elems(p.ood_main)
    w.u16(p.ood_aux.shape[1])
    w.elems(p.ood_aux)
    w.u8(p.ood_comp.shape[0])
    w.elems(p.ood_comp)
    w.u8(len(p.fri_roots))
    for r in p.fri_roots:
        w.digest(r)
    w.u32(p.fri_remainder.shape[0])
    w.elems(p.fri_remainder)
    w.u64(p.pow_nonce)
    w.u16(len(p.positions))
    for pos in p.positions:
        w.u32(pos)
    w.elems(p.main_rows)
    w.siblings(p.main_siblings)
    if p.aux_root is not None:
        w.elems(p.aux_rows)
        w.siblings(p.aux_siblings)
    w.elems(p.comp_rows)
    w.siblings(p.comp_siblings)
    for layer in p.fri_layers:
        w.u16(layer.values.shape[0])
        w.elems(layer.values)
        w.siblings(layer.siblings)


# The smallest body :func:`read_proof_body` accepts (no aux, no widths, one chunk, no FRI layers,
# one query): lets a container check a declared number of proofs against the bytes that remain.
MIN_BODY_BYTES = (1 + DIGEST + 1 + DIGEST  # trace_length_log, main root, aux flag, comp root
                  + 2 + 2 + 1 + 5 * 4      # widths 0, one composition chunk at z
                  + 1 + 4 + 8              # no FRI layers, empty remainder, nonce
                  + 2 + 4 + 4 + 5 * 4 + 4)  # one position, empty main-rows opening, one comp row + opening


def read_proof_body(r: "Reader", options: ProofOptions) -> Proof:
    """Parse what :func:`write_proof_body` wrote; the caller supplies the options and checks the end."""
    tlog = r.u8()
    if not 1 <= tlog <= 26:
        raise ProofFormatError("trace length out of range")
    main_root = r.digest()
    has_aux = r.u8()
    if has_aux not in (0, 1):
        raise ProofFormatError("bad auxiliary-trace flag")
    aux_root = r.digest() if has_aux else None
    comp_root = r.digest()
    mw = r.u16()
    ood_main = r.elems(2 * mw * 5).reshape(2, mw, 5)
    aw = r.u16()
    if not has_aux and aw:
        raise ProofFormatError("auxiliary values without an auxiliary commitment")
    ood_aux = r.elems(2 * aw * 5).reshape(2, aw, 5)
    chunks = r.u8()
    if chunks == 0:
        raise ProofFormatError("no composition chunks")
    ood_comp = r.elems(chunks * 5).reshape(chunks, 5)
    n_layers = r.u8()
    fri_roots = [r.digest() for _ in range(n_layers)]
    rem_len = r.u32()
    fri_remainder = r.elems(rem_len * 5, what="FRI remainder").reshape(rem_len, 5)
    pow_nonce = r.u64()
    count = r.u16()
    r.need(4 * count)
    positions = [r.u32() for _ in range(count)]
    if count == 0:
        raise ProofFormatError("no query positions")
    if any(b <= a for a, b in zip(positions, positions[1:])):
        raise ProofFormatError("query positions must be strictly increasing")
    main_rows = r.elems(count * mw).reshape(count, mw)
    main_sib = r.siblings()
    if has_aux:
        aux_rows = r.elems(count * aw * 5).reshape(count, aw * 5)
        aux_sib = r.siblings()
    else:
        aux_rows = np.zeros((count, 0), dtype=np.uint64)
        aux_sib = []
    comp_rows = r.elems(count * chunks * 5).reshape(count, chunks * 5)
    comp_sib = r.siblings()
    layers = []
    for _ in range(n_layers):
        leaves = r.u16()
        if leaves == 0 or leaves > count:
            raise ProofFormatError("bad number of FRI leaves")
        vals = r.elems(leaves * 10).reshape(leaves, 10)
        layers.append(FriLayerOpening(vals, r.siblings()))
    return Proof(options, 1 << tlog, main_root, aux_root, comp_root, ood_main, ood_aux, ood_comp,
                 fri_roots, fri_remainder, pow_nonce, positions, main_rows, main_sib, aux_rows, aux_sib,
                 comp_rows, comp_sib, layers)


class Writer:
    """Little-endian writer of the proof encodings' pieces."""

    def __init__(self):
        self.parts: list[bytes] = []

    def raw(self, b: bytes):
        self.parts.append(b)

    def u8(self, v):
        self.parts.append(struct.pack("<B", v))

    def u16(self, v):
        self.parts.append(struct.pack("<H", v))

    def u32(self, v):
        self.parts.append(struct.pack("<I", v))

    def u64(self, v):
        self.parts.append(struct.pack("<Q", v))

    def digest(self, d: bytes):
        assert len(d) == DIGEST
        self.parts.append(d)

    def elems(self, arr):
        self.parts.append(np.ascontiguousarray(arr, dtype=np.uint64).ravel().astype("<u4").tobytes())

    def siblings(self, sibs: list[bytes]):
        self.u32(len(sibs))
        for s in sibs:
            self.digest(s)

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


class Reader:
    """Strict reader: every length is checked against the bytes that remain before it is used."""

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def need(self, n: int, what: str = "proof"):
        if n < 0 or self.pos + n > len(self.data):
            raise ProofFormatError(f"{what} is truncated")

    def raw(self, n: int) -> bytes:
        self.need(n)
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def u8(self) -> int:
        return self.raw(1)[0]

    def u16(self) -> int:
        return struct.unpack("<H", self.raw(2))[0]

    def u32(self) -> int:
        return struct.unpack("<I", self.raw(4))[0]

    def u64(self) -> int:
        return struct.unpack("<Q", self.raw(8))[0]

    def digest(self) -> bytes:
        return self.raw(DIGEST)

    def elems(self, count: int, what: str = "proof") -> np.ndarray:
        self.need(4 * count, what)
        arr = np.frombuffer(self.data, dtype="<u4", count=count, offset=self.pos).astype(np.uint64)
        self.pos += 4 * count
        if count and int(arr.max()) >= P:
            raise ProofFormatError("non-canonical field element in proof")
        return arr

    def siblings(self) -> list[bytes]:
        n = self.u32()
        self.need(n * DIGEST, "Merkle opening")
        return [self.digest() for _ in range(n)]

    def finish(self):
        if self.pos != len(self.data):
            raise ProofFormatError(f"{len(self.data) - self.pos} trailing bytes after the proof")
