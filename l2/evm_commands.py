"""The ``l2 evm`` command group: ``run`` (l2/evm_cli.py) plus ``prove`` and ``verify`` (l2/evm_prove.py).

Kept apart so that running bytecode does not import the prover, and proving can reuse the runner's
argument parsers without a circular import.
"""

from __future__ import annotations

from l2.evm_cli import evm_app
from l2.evm_prove import prove_command, verify_command

evm_app.command("prove")(prove_command)
evm_app.command("verify")(verify_command)

__all__ = ["evm_app"]
