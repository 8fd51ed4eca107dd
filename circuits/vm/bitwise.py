"""Bitwise opcodes: NOT through the shared adder; AND, OR, XOR, BYTE, SHL, SHR and SAR through chiplets.

    NOT   c = 2^256 − 1 − a   ⟺  a + c = 2^256 − 1, i.e. per byte pair a_k + c_k = 2^16 − 1
          route (W0 +1, W2 +1, constant −65535); the carries are forced to 0.

AND, OR and XOR (a = W0, b = W1) and BYTE, SHL, SHR and SAR (index or shift = W0, value = W1) leave the
result in W2 and send it with their operands to the chiplet that proves it (see
:mod:`circuits.vm.chiplets`): :mod:`circuits.vm.bitwise_chiplet` for AND, OR, XOR and
:mod:`circuits.vm.shift_chiplet` for SHL, SHR, SAR, BYTE.  The CPU row itself only runs the second zero
test on the shift's high bytes (:mod:`circuits.vm.comparison`), whose flag travels with the request;
for SAR it also pins the value's sign bit sb with the range-checked helper hb, as SGT does, and the
request carries it to the chiplet, which adds the sign fill
SAR(s, v) = SHR(s, v) + sb · (2^256 − 2^(256−s)) (all ones when s ≥ 256).

Stack: NOT consumes a (C0, sp−1) and produces c at sp−1; the others consume C0 and C1 and produce
at sp−2.  Gas 3 each.
"""

from __future__ import annotations

from circuits.vm.opcodes import Group

ADDER_ROUTES = {
    Group.NOT: (1, 0, 1, -65535),
}
