"""Multi-table proofs: tables of different heights on one transcript, linked by a LogUp bus.

Honest proofs of two and three tables (and tables without a bus beside them) verify; a cheating table
unbalances the bus; every table's claims, rows, order, AIR, public inputs and the statement are bound;
malformed bytes end in VerificationError (ProofFormatError where parsing fails), never another exception.
"""

from __future__ import annotations

import dataclasses
import random
import re

import numpy as np
import pytest

from circuits import field as F
from circuits.air import ConstraintViolation, find_violations
from circuits.examples.bus_pair import (ReceiverAir, SenderAir, public_messages_sum, receiver_trace,
                                        sender_trace)
from circuits.examples.fibonacci import FibonacciAir, FibonacciInputs, fibonacci_trace
from circuits.examples.range_check import RangeCheckAir, range_check_trace
from circuits.extension import Ext
from prover.multi_stark import Table, prove_tables
from prover.stark import ProverError, prove
from verifier.errors import ProofFormatError, SecurityError, VerificationError
from verifier.multi_proof import MultiProof
from verifier.multi_stark import multi_security_bits, verify_tables
from verifier.proof import MAGIC as SINGLE_MAGIC
from verifier.proof import Proof, ProofOptions
from verifier.stark import verify

OPTS = ProofOptions(blowup=8, num_queries=24, grinding_bits=4, fri_remainder_log=2)
STATEMENT = b"batch 7"


def keys(seed: int, count: int, bound: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, bound, count)


def pair_tables(n_send: int = 256, n_recv: int = 1024) -> list[Table]:
    ka = keys(1, n_send - 1, n_recv - 1)
    return [Table(SenderAir(), sender_trace(n_send, ka)), Table(ReceiverAir(), receiver_trace(n_recv, ka))]


def three_tables() -> list[Table]:
    ka, kb = keys(1, 200, 1023), keys(2, 63, 1023)
    return [Table(SenderAir(), sender_trace(256, ka)), Table(ReceiverAir(), receiver_trace(1024, ka, kb)),
            Table(SenderAir(), sender_trace(64, kb))]


def statement_of(tables: list[Table]) -> list[tuple]:
    return [(tb.air, tb.public_inputs) for tb in tables]


def check(tables, proof, statement=STATEMENT, **kw):
    return verify_tables(tables, proof, statement=statement, min_security=0, **kw)


def refused(tables, proof, statement=STATEMENT, error=VerificationError, match=None, **kw):
    with pytest.raises(error, match=match):
        check(tables, proof, statement, **kw)


@pytest.fixture(scope="module")
def pair():
    tables = pair_tables()
    return tables, prove_tables(tables, OPTS, statement=STATEMENT)


# ---- honest proofs -------------------------------------------------------------------------------

def test_two_tables_of_different_heights(pair, capsys):
    tables, proof = pair
    data = proof.to_bytes()
    assert [p.trace_length for p in proof.proofs] == [256, 1024]
    claims = check(tables, data)
    assert claims[0][0] + claims[1][0] == Ext.zero() and not claims[0][0].is_zero()
    assert MultiProof.from_bytes(data).to_bytes() == data
    verify_tables(tables, data, statement=STATEMENT, min_security=0)  # Table objects: heights are checked
    verify_tables([(SenderAir(), None, 256), (ReceiverAir(), None, 1024)], data, STATEMENT, min_security=0)
    with capsys.disabled():
        sizes = [len(p.to_bytes()) for p in proof.proofs]
        print(f"\n  2 tables (2^8 sender, 2^10 receiver): {len(data)} bytes (single-proof encodings {sizes})")


def test_three_tables_and_tables_without_a_bus(capsys):
    tables = three_tables()
    phases: list[str] = []
    data = prove_tables(tables, OPTS, statement=STATEMENT, progress=phases.append).to_bytes()
    assert phases[:2] == ["commit traces", "auxiliary traces"] and "bus-sender [3/3]: FRI" in phases
    claims = check(tables, data)
    assert sum((c[0] for c in claims), Ext.zero()) == Ext.zero()
    # tables without claims ride along: Fibonacci (no aux) and a range check (own LogUp, α shared)
    fib_trace, fib_pi = fibonacci_trace(32)
    mixed = tables + [Table(FibonacciAir(), fib_trace, fib_pi),
                      Table(RangeCheckAir(), range_check_trace(np.array([3, 1, 4, 1, 5]), 16))]
    mixed_data = prove_tables(mixed, OPTS, statement=STATEMENT).to_bytes()
    claims = check(mixed, mixed_data)
    assert [len(c) for c in claims] == [1, 1, 1, 0, 0]
    refused(mixed[:3] + [(FibonacciAir(), FibonacciInputs(fib_pi.a0, fib_pi.b0, fib_pi.result + 1)), mixed[4]],
            mixed_data)
    with capsys.disabled():
        print(f"\n  3 tables (2^8, 2^10, 2^6): {len(data)} bytes; with fibonacci 2^5 and range check 2^4: "
              f"{len(mixed_data)} bytes")


def test_public_part_of_the_bus():
    """The sender also sends messages nobody in the proof receives; the verifier receives them."""
    ka, exits = keys(3, 100, 255), [(7, 1234), (99, 5), (7, 1234)]
    sender = sender_trace(128, np.concatenate([ka, [k for k, _ in exits]]),
                          np.concatenate([ka * ka, [v for _, v in exits]]))
    tables = [Table(SenderAir(), sender), Table(ReceiverAir(), receiver_trace(256, ka))]
    with pytest.raises(ProverError, match="bus sums do not balance"):
        prove_tables(tables, OPTS, statement=STATEMENT)
    proof = prove_tables(tables, OPTS, statement=STATEMENT, public_sum=public_messages_sum(exits)).to_bytes()
    check(tables, proof, public_sum=public_messages_sum(exits))
    refused(tables, proof, match="bus sums do not balance")
    for bad in (exits[:2], exits + [(1, 1)], [(7, 1234), (99, 6), (7, 1234)]):
        refused(tables, proof, match="bus sums do not balance", public_sum=public_messages_sum(bad))


def test_proofs_are_deterministic(pair):
    tables, proof = pair
    assert prove_tables(tables, OPTS, statement=STATEMENT).to_bytes() == proof.to_bytes()


def test_security_is_the_weakest_table(pair):
    tables, proof = pair
    airs, lengths = [tb.air for tb in tables], [256, 1024]
    bits = multi_security_bits(airs, lengths, OPTS)
    assert bits == min(OPTS.security_bits(n, np.log2(2 * 256 + 2 * 1024)) for n in lengths)
    verify_tables(statement_of(tables), proof, STATEMENT, min_security=bits)
    with pytest.raises(SecurityError):
        verify_tables(statement_of(tables), proof, STATEMENT, min_security=bits + 0.5)
    with pytest.raises(SecurityError):
        verify_tables(statement_of(tables), proof, STATEMENT)  # 100 bits by default
    big = ProofOptions.for_security(100, grinding_bits=16)
    assert multi_security_bits(airs, [1 << 20, 1 << 16], big) >= 100


# ---- cheating tables -----------------------------------------------------------------------------

def test_cheating_sender_unbalances_the_bus():
    """The sender sends (k, k² + 1): no receiver row holds it, so the claims cannot add up to zero."""
    ka = keys(4, 100, 1023)
    values = ka * ka % F.P
    values[17] = (values[17] + 1) % F.P
    tables = [Table(SenderAir(), sender_trace(256, ka, values)), Table(ReceiverAir(), receiver_trace(1024, ka))]
    with pytest.raises(ProverError, match="bus sums do not balance"):
        prove_tables(tables, OPTS, statement=STATEMENT)
    refused(tables, prove_tables(tables, OPTS, statement=STATEMENT, check=False), match="bus sums do not balance")
    # a receiver that counts a key too often unbalances it the same way
    recv = receiver_trace(1024, ka)
    recv[5, 2] += 1
    tables = [Table(SenderAir(), sender_trace(256, ka)), Table(ReceiverAir(), recv)]
    refused(tables, prove_tables(tables, OPTS, statement=STATEMENT, check=False), match="bus sums do not balance")


def _mutations():
    """Traces that keep the bus balanced but break one table constraint each (the AIR must catch it)."""
    ka = keys(5, 100, 1023)
    # send = 2 sends a pair twice; the receiver counts it twice
    s = sender_trace(256, ka)
    s[3, 2] = 2
    r = receiver_trace(1024, ka, [ka[3]])
    yield "send·(send − 1) = 0", 0, s, r
    # a fake entry (k, k² + 1) in the receiver, looked up by the sender
    k = int(ka[0])
    r = receiver_trace(1024, ka)
    r[k, 1] = (r[k, 1] + 1) % F.P
    s = sender_trace(256, ka, np.where(ka == k, (ka * ka + 1) % F.P, ka * ka % F.P))
    yield "value = key²", 1, s, r
    # the receiver's keys do not count up
    r = receiver_trace(1024, ka)
    r[-1, :2] = [5, 25]
    yield "key' = key + 1", 1, sender_trace(256, ka), r
    # a message in the sender's last row escapes the running sum
    s = sender_trace(256, ka)
    s[-1] = [ka[0], ka[0] * ka[0] % F.P, 1]
    yield "last row is padding", 0, s, receiver_trace(1024, ka)


@pytest.mark.parametrize("name,which,sender,receiver", list(_mutations()),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_each_table_constraint_is_enforced(name, which, sender, receiver):
    tables = [Table(SenderAir(), sender), Table(ReceiverAir(), receiver)]
    bad = tables[which]
    assert {v.name for v in find_violations(bad.air, bad.trace, None, limit=0)} == {name}
    with pytest.raises(ConstraintViolation, match=re.escape(name)):
        prove_tables(tables, OPTS, statement=STATEMENT)
    refused(tables, prove_tables(tables, OPTS, statement=STATEMENT, check=False), match=f"table {which}")


class _LyingSender(SenderAir):
    """Reports a claim shifted by δ from its running sum (same AIR name, so the verifier sees a sender)."""

    def bus_claims(self, main, aux, challenges, pi):
        return [super().bus_claims(main, aux, challenges, pi)[0] + 1]


class _LyingReceiver(ReceiverAir):
    def bus_claims(self, main, aux, challenges, pi):
        return [super().bus_claims(main, aux, challenges, pi)[0] - 1]


def test_claims_are_bound_to_the_running_sums(pair):
    """Claims shifted by ±δ still balance, but s_{n−1} = claim fails in the table that lies."""
    tables, proof = pair
    lying = [Table(_LyingSender(), tables[0].trace), Table(_LyingReceiver(), tables[1].trace)]
    cheat = prove_tables(lying, OPTS, statement=STATEMENT, check=False)
    assert sum((c[0] for c in cheat.claim_values()), Ext.zero()) == Ext.zero()
    refused(tables, cheat.to_bytes(), match="table 0")
    # the same lie with an honest receiver: the bus does not balance
    cheat = prove_tables([lying[0], tables[1]], OPTS, statement=STATEMENT, check=False)
    refused(tables, cheat.to_bytes(), match="bus sums do not balance")
    # claims edited in the proof
    delta = np.array([1, 0, 0, 0, 0], dtype=np.uint64)
    c0 = (proof.claims[0] + delta) % F.P
    c1 = (proof.claims[1] + F.P - delta) % F.P
    refused(tables, dataclasses.replace(proof, claims=[c0, c1]).to_bytes(), match="table 0")
    refused(tables, dataclasses.replace(proof, claims=[c0, proof.claims[1]]).to_bytes(),
            match="bus sums do not balance")
    refused(tables, dataclasses.replace(proof, claims=[proof.claims[0][:0], proof.claims[1]]), match="bus claims")


def _bump(arr: np.ndarray, idx: int = 0) -> np.ndarray:
    out = np.array(arr, dtype=np.uint64, copy=True)
    out.reshape(-1)[idx] = (out.reshape(-1)[idx] + 1) % F.P
    return out


@pytest.mark.parametrize("field", ["main_rows", "aux_rows", "comp_rows", "ood_main", "ood_aux", "ood_comp",
                                   "fri_remainder"])
@pytest.mark.parametrize("table", [0, 1])
def test_tampered_table_fields_are_refused(pair, field, table):
    tables, proof = pair
    subs = list(proof.proofs)
    subs[table] = dataclasses.replace(subs[table], **{field: _bump(getattr(subs[table], field), 3)})
    refused(tables, dataclasses.replace(proof, proofs=subs).to_bytes(), match=f"table {table}")


def test_swapped_sub_proofs_and_roots_are_refused(pair):
    tables, proof = pair
    subs = list(proof.proofs)
    subs[0] = dataclasses.replace(subs[0], aux_root=subs[1].aux_root)
    refused(tables, dataclasses.replace(proof, proofs=subs))
    subs = list(proof.proofs)
    subs[1] = dataclasses.replace(subs[1], main_root=bytes(32))
    refused(tables, dataclasses.replace(proof, proofs=subs))
    # the same table proven under another statement does not transplant
    other = prove_tables(tables, OPTS, statement=b"batch 8")
    refused(tables, dataclasses.replace(proof, proofs=[other.proofs[0], proof.proofs[1]]))


def test_statement_order_tables_and_airs_are_bound(pair):
    tables, proof = pair
    data = proof.to_bytes()
    refused(tables, data, statement=b"batch 8")
    refused(tables, data, statement=b"")
    refused(tables[::-1], data)  # wrong table order
    refused(tables[:1], data, match="statement has 1")  # a dropped table
    refused(tables + [tables[0]], data, match="statement has 3")
    refused([(ReceiverAir(), None), tables[1]], data)  # a table swapped for another AIR (same widths)
    refused([(SenderAir(), None), (SenderAir(), None)], data)
    refused([(SenderAir(), None, 128), (ReceiverAir(), None)], data, match="height")
    refused([Table(SenderAir(), tables[0].trace), Table(ReceiverAir(), tables[1].trace[:512])], data, match="height")
    # a proof with a table removed (re-encoded honestly) does not verify for the remaining table
    dropped = MultiProof(proof.options, proof.proofs[:1], proof.claims[:1])
    refused(tables[:1], dropped.to_bytes())
    # the proof's own table order swapped
    swapped = MultiProof(proof.options, proof.proofs[::-1], proof.claims[::-1])
    refused(tables[::-1], swapped.to_bytes())


def test_tables_with_claims_need_the_multi_table_prover(pair):
    tables, proof = pair
    with pytest.raises(ProverError, match="prove_tables"):
        prove(SenderAir(), tables[0].trace, None, OPTS)
    single = dataclasses.replace(proof.proofs[0])
    with pytest.raises(VerificationError, match="verify_tables"):
        verify(SenderAir(), single, None, min_security=0)


# ---- malformed bytes -----------------------------------------------------------------------------

def _regions(proof: MultiProof) -> list[int]:
    """Byte offsets of the header, each table's leading fields (height, roots, widths) and its claims."""
    out = list(range(13))
    off = 13
    for sub, claims in zip(proof.proofs, proof.claims):
        body = len(sub.to_bytes()) - 11  # minus magic, version and options
        out += range(off, off + 80)
        off += body
        out += range(off, off + 2 + 20 * claims.shape[0])
        off += 2 + 20 * claims.shape[0]
    assert off == len(proof.to_bytes())
    return out


def test_byte_flips_truncations_and_extensions_are_refused(pair, capsys):
    tables, proof = pair
    data = proof.to_bytes()
    rnd = random.Random(99)
    st = statement_of(tables)
    counts = {"sweep": 0, "flip": 0, "truncate": 0, "extend": 0}
    for pos in _regions(proof):
        for mask in (1 << rnd.randrange(8), rnd.randrange(1, 256)):
            bad = bytearray(data)
            bad[pos] ^= mask
            refused(st, bytes(bad))
            counts["sweep"] += 1
    for pos in sorted(rnd.sample(range(len(data)), 400)):
        bad = bytearray(data)
        bad[pos] ^= rnd.randrange(1, 256)
        refused(st, bytes(bad))
        counts["flip"] += 1
    for cut in sorted(rnd.sample(range(len(data)), 60)) + [0, 1, 12, 13, len(data) - 1]:
        refused(st, data[:cut], error=ProofFormatError)
        counts["truncate"] += 1
    for extra in (b"\x00", b"\x01" * 7, bytes(1000), data[13:200]):
        refused(st, data + extra, error=ProofFormatError, match="trailing")
        counts["extend"] += 1
    for junk in (b"", b"L2SM", b"\xff" * 100, bytes(4096), SINGLE_MAGIC + data[4:], None, "L2SM"):
        refused(st, junk, error=ProofFormatError)
    with pytest.raises(ProofFormatError):  # a multi-table proof is not a single proof, nor the reverse
        Proof.from_bytes(data)
    with pytest.raises(ProofFormatError):
        MultiProof.from_bytes(proof.proofs[0].to_bytes())
    with capsys.disabled():
        print(f"\n  malformed multi-table proofs refused: {counts}")


def test_huge_declared_counts_do_not_allocate(pair):
    tables, proof = pair
    data = bytearray(proof.to_bytes())
    data[11:13] = (0xFFFF).to_bytes(2, "little")  # table count
    with pytest.raises(ProofFormatError, match="truncated"):
        MultiProof.from_bytes(bytes(data))
    data = bytearray(proof.to_bytes())
    data[11:13] = (0).to_bytes(2, "little")
    with pytest.raises(ProofFormatError, match="without tables"):
        MultiProof.from_bytes(bytes(data))
    # the first table's claim count, claiming 65535 extension elements
    data = bytearray(proof.to_bytes())
    off = 13 + len(proof.proofs[0].to_bytes()) - 11
    assert int.from_bytes(data[off:off + 2], "little") == 1
    data[off:off + 2] = (0xFFFF).to_bytes(2, "little")
    with pytest.raises(ProofFormatError):
        MultiProof.from_bytes(bytes(data))
    # a non-canonical claim
    data = bytearray(proof.to_bytes())
    data[off + 2:off + 6] = F.P.to_bytes(4, "little")
    with pytest.raises(ProofFormatError, match="non-canonical"):
        MultiProof.from_bytes(bytes(data))
