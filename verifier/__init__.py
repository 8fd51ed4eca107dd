"""Proof format, Fiat–Shamir transcript, Merkle and FRI checks, STARK verification, security accounting."""

import circuits  # noqa: F401  (sets the kernels' thread wait policy before numba loads)
