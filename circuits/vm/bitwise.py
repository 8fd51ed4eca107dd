"""Bitwise opcodes: NOT, through the shared adder (:mod:`circuits.vm.adder`).

    NOT   c = 2^256 − 1 − a   ⟺  a + c = 2^256 − 1, i.e. per byte pair a_k + c_k = 2^16 − 1
          route (W0 +1, W2 +1, constant −65535); the carries are forced to 0.

Stack: consumes a (C0, sp−1), produces c (P2, sp−1); gas 3.  AND, OR, XOR are not proven yet.
"""

from __future__ import annotations

from circuits.vm.opcodes import Group

ADDER_ROUTES = {
    Group.NOT: (1, 0, 1, -65535),
}
