"""Example AIRs: small, complete statements that exercise the STARK core and serve as benchmarks."""
