"""Column types shared by the SQL models.

SQL integers stop at 64 bits, but balances, values and storage words are 256-bit. They are stored
as decimal text (``U256``): exact on every backend, readable in ``sqlite3``/``psql``, and compared
only after loading. Addresses and hashes are stored as their ``0x``-prefixed lower-case hex text,
the form the CLI prints, so a row can be matched against the output by eye.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

__all__ = ["U256", "ADDRESS", "HASH"]

# 2^256 - 1 has 78 decimal digits.
_U256_DIGITS = 78


def ADDRESS() -> String:
    """``0x`` + 40 hex digits."""
    return String(42)


def HASH() -> String:
    """``0x`` + 64 hex digits (keccak-256 hashes; state roots are ``0x`` + 64 as well)."""
    return String(66)


class U256(TypeDecorator):
    """An unsigned 256-bit integer stored as decimal text."""

    impl = String(_U256_DIGITS)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        value = int(value)
        if not 0 <= value < 1 << 256:
            raise ValueError(f"value out of the 256-bit range: {value}")
        return str(value)

    def process_result_value(self, value: Any, dialect: Any) -> int | None:
        return None if value is None else int(value)
