"""The algebra and the constraints: BabyBear field and extension, NTT, Poseidon2, the AIR interface.

The numba kernels here launch parallel loops many times per proof.  With OpenMP's default "active"
wait policy, idle worker threads spin and fight any other busy process for the cores, which made small
launches 3–5× slower on a shared 2-core machine; passive waiting costs nothing measurable when the
machine is quiet.  Users can still override it by setting OMP_WAIT_POLICY themselves.
"""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
