"""Errors the verifier raises.  Every way a proof can be wrong ends in one of these."""

from __future__ import annotations


class VerificationError(Exception):
    """The proof does not prove the statement (one short line says why)."""


class ProofFormatError(VerificationError):
    """The proof bytes do not parse: truncated, trailing bytes, a bad version, a non-canonical element."""


class SecurityError(VerificationError):
    """The proof's parameters give fewer conjectured bits of security than the verifier asked for."""
