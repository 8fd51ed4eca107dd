"""Published parameters of Poseidon2 over BabyBear, width 16 (Plonky3's ``default_babybear_poseidon2_16``).

The instance is the one Plonky3 ships as its default BabyBear width-16 permutation:

* S-box x^7 (the smallest d with gcd(d, p − 1) = 1, since p − 1 = 2^27·3·5),
* 8 external (full) rounds, 4 before and 4 after 13 internal (partial) rounds,
* round constants of the Horizen Labs reference implementation (``poseidon2_instance_babybear.rs``),
* external layer built from the 4×4 MDS matrix ``M4 = [[2,3,1,1],[1,2,3,1],[1,1,2,3],[3,1,1,2]]``
  as ``circ(2·M4, M4, M4, M4)``,
* internal layer ``1 + diag(V)`` (the all-ones matrix plus a diagonal), V below.

The permutation is checked against Plonky3's published test vector in ``tests/test_poseidon2.py``.
Values are the canonical integers (not Montgomery form).
"""

from __future__ import annotations

from circuits.field import P

WIDTH = 16
"""State size t."""

SBOX_DEGREE = 7
"""S-box exponent d: x -> x^7 is a permutation of BabyBear because gcd(7, p − 1) = 1."""

ROUNDS_F = 8
"""External (full) rounds, split evenly before and after the internal rounds."""

ROUNDS_P = 13
"""Internal (partial) rounds: the S-box touches only state[0]."""

RC_EXTERNAL_INITIAL: tuple[tuple[int, ...], ...] = (
    (0x69cbb6af, 0x46ad93f9, 0x60a00f4e, 0x6b1297cd, 0x23189afe, 0x732e7bef, 0x72c246de, 0x2c941900,
     0x0557eede, 0x1580496f, 0x3a3ea77b, 0x54f3f271, 0x0f49b029, 0x47872fe1, 0x221e2e36, 0x1ab7202e),
    (0x487779a6, 0x3851c9d8, 0x38dc17c0, 0x209f8849, 0x268dcee8, 0x350c48da, 0x5b9ad32e, 0x0523272b,
     0x3f89055b, 0x01e894b2, 0x13ddedde, 0x1b2ef334, 0x7507d8b4, 0x6ceeb94e, 0x52eb6ba2, 0x50642905),
    (0x05453f3f, 0x06349efc, 0x6922787c, 0x04bfff9c, 0x768c714a, 0x3e9ff21a, 0x15737c9c, 0x2229c807,
     0x0d47f88c, 0x097e0ecc, 0x27eadba0, 0x2d7d29e4, 0x3502aaa0, 0x0f475fd7, 0x29fbda49, 0x018afffd),
    (0x0315b618, 0x6d4497d1, 0x1b171d9e, 0x52861abd, 0x2e5d0501, 0x3ec8646c, 0x6e5f250a, 0x148ae8e6,
     0x17f5fa4a, 0x3e66d284, 0x0051aa3b, 0x483f7913, 0x2cfe5f15, 0x023427ca, 0x2cc78315, 0x1e36ea47),
)
"""Round constants of the 4 initial external rounds (one per state element)."""

RC_INTERNAL: tuple[int, ...] = (
    0x5a8053c0, 0x693be639, 0x3858867d, 0x19334f6b, 0x128f0fd8, 0x4e2b1ccb, 0x61210ce0, 0x3c318939,
    0x0b5b2f22, 0x2edb11d5, 0x213effdf, 0x0cac4606, 0x241af16d,
)
"""Round constants of the 13 internal rounds (added to state[0] only)."""

RC_EXTERNAL_FINAL: tuple[tuple[int, ...], ...] = (
    (0x7290a80d, 0x6f7e5329, 0x598ec8a8, 0x76a859a0, 0x6559e868, 0x657b83af, 0x13271d3f, 0x1f876063,
     0x0aeeae37, 0x706e9ca6, 0x46400cee, 0x72a05c26, 0x2c589c9e, 0x20bd37a7, 0x6a2d3d10, 0x20523767),
    (0x5b8fe9c4, 0x2aa501d6, 0x1e01ac3e, 0x1448bc54, 0x5ce5ad1c, 0x4918a14d, 0x2c46a83f, 0x4fcf6876,
     0x61d8d5c8, 0x6ddf4ff9, 0x11fda4d3, 0x02933a8f, 0x170eaf81, 0x5a9c314f, 0x49a12590, 0x35ec52a1),
    (0x58eb1611, 0x5e481e65, 0x367125c9, 0x0eba33ba, 0x1fc28ded, 0x066399ad, 0x0cbec0ea, 0x75fd1af0,
     0x50f5bf4e, 0x643d5f41, 0x6f4fe718, 0x5b3cbbde, 0x1e3afb3e, 0x296fb027, 0x45e1547b, 0x4a8db2ab),
    (0x59986d19, 0x30bcdfa3, 0x1db63932, 0x1d7c2824, 0x53b33681, 0x0673b747, 0x038a98a3, 0x2c5bce60,
     0x351979cd, 0x5008fb73, 0x547bca78, 0x711af481, 0x3f93bf64, 0x644d987b, 0x3c8bcd87, 0x608758b8),
)
"""Round constants of the 4 final external rounds."""


def _inv_pow2(k: int) -> int:
    return pow(2, P - 1 - k, P)


INTERNAL_DIAG_V: tuple[int, ...] = tuple(
    v % P
    for v in (
        -2, 1, 2, _inv_pow2(1), 3, 4, -_inv_pow2(1), -3, -4,
        _inv_pow2(8), _inv_pow2(2), _inv_pow2(3), _inv_pow2(27),
        -_inv_pow2(8), -_inv_pow2(4), -_inv_pow2(27),
    )
)
"""V of the internal matrix M_I = 1 + diag(V):
[−2, 1, 2, 1/2, 3, 4, −1/2, −3, −4, 1/2^8, 1/4, 1/8, 1/2^27, −1/2^8, −1/16, −1/2^27] mod p.
Small values and inverse powers of two, chosen by Plonky3 so the product is cheap in SIMD code."""

M4: tuple[tuple[int, ...], ...] = (
    (2, 3, 1, 1),
    (1, 2, 3, 1),
    (1, 1, 2, 3),
    (3, 1, 1, 2),
)
"""The 4×4 MDS block of the external layer."""

TEST_VECTOR_INPUT: tuple[int, ...] = (
    894848333, 1437655012, 1200606629, 1690012884, 71131202, 1749206695, 1717947831, 120589055,
    19776022, 42382981, 1831865506, 724844064, 171220207, 1299207443, 227047920, 1783754913,
)
"""Input of Plonky3's ``test_default_babybear_poseidon2_width_16``."""

TEST_VECTOR_OUTPUT: tuple[int, ...] = (
    516096821, 90309867, 1101817252, 1660784290, 360715097, 1789519026, 1788910906, 563338433,
    319524748, 1741414159, 1650859320, 894311162, 1121347488, 1692793758, 1052633829, 1344246938,
)
"""Its published permutation output."""
