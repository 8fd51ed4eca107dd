"""The receipts' logs a batch proof vouches for (:func:`l2.batch_proof.proven_logs`) when its
transactions call and create: a callee's logs sit among its caller's at the call's key, a reverted
frame's logs (and its callees') are dropped, a CREATE without initcode runs no frame, and a creation
whose record failed keeps none of its initcode's logs."""

from __future__ import annotations

from circuits.vm.air import VmStatement
from circuits.vm.call_record import CALL, CREATE, CallRecord
from l2.batch_proof import encode_advice, proven_logs

A, B, C = (bytes([n]) * 20 for n in (0xA1, 0xB2, 0xC3))


def frame(address: bytes, logs=(), calls=(), status: int = 1) -> VmStatement:
    return VmStatement(b"\x00", 1000, status, 10 if status != 3 else 1000, address=address,
                       logs=tuple((k, (t,), b"") for k, t in logs), calls=calls)


def call(key: int, to: bytes, success: int = 1) -> CallRecord:
    return CallRecord(key, CALL, 0, int.from_bytes(to, "big"), 0, 0, 0, 0, 0, 1000, 0, b"", success, 100, b"")


def create(key: int, to: bytes, initcode: bytes, success: int = 1) -> CallRecord:
    return CallRecord(key, CREATE, 0, int.from_bytes(to, "big"), 0, 0, len(initcode), 0, 0, 40000, 0, initcode,
                      success, 32100, b"", nonce=1)


def logs_of(*frames: VmStatement) -> list[tuple[bytes, int]]:
    (logs,) = proven_logs(encode_advice({0: frames if len(frames) > 1 else frames[0]})).values()
    return [(log.address, int.from_bytes(log.topics[0], "big")) for log in logs]


def test_callee_logs_sit_at_the_call():
    root = frame(A, logs=((1, 1), (9, 3)), calls=(call(5, B),))
    assert logs_of(root, frame(B, logs=((2, 2),))) == [(A, 1), (B, 2), (A, 3)]


def test_a_reverted_frame_drops_its_logs_and_its_callees():
    root = frame(A, logs=((1, 1),), calls=(call(5, B, success=0),))
    child = frame(B, logs=((2, 2),), calls=(call(4, C),), status=2)
    assert logs_of(root, child, frame(C, logs=((1, 7),))) == [(A, 1)]
    assert logs_of(frame(A, logs=((1, 1),), status=2)) == []


def test_creations_without_initcode_run_no_frame_and_failed_ones_keep_no_logs():
    root = frame(A, logs=((9, 9),), calls=(create(2, B, b""), create(4, C, b"\x00", success=0), call(6, B)))
    # the empty CREATE takes no frame: the next frame is the failed creation's (its initcode succeeded,
    # its deposit did not), then the CALL's
    failed = frame(C, logs=((1, 5),))
    called = frame(B, logs=((1, 6),))
    assert logs_of(root, failed, called) == [(B, 6), (A, 9)]
