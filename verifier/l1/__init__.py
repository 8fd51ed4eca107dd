"""A small model of Ethereum L1 that the rollup and bridge contracts run on.

=================  ===============================================================================
module             holds
=================  ===============================================================================
``gas``            Ethereum's gas schedule for what L1 calls do, the per-transaction ``GasMeter``
                   (calldata vs execution gas, refunds, the EIP-7623 floor) and the STARK
                   verifier cost model
``abi``            the Solidity ABI encoding used to price calls and event data
``contract``       ``Contract``, the base class of the Python contracts, its decorators and registry
``execution``      one transaction's state: metered storage, balances, warm sets, events, nested calls
``chain``          ``L1Chain``: accounts, blocks, transactions and receipts persisted in the node's
                   SQL store, and ``fund_dev_accounts``
``models``         the SQL tables (migration ``0003``)
=================  ===============================================================================

The names below are importable from this package; they load their module on first use, because
``l2.store.models`` imports ``verifier.l1.models`` while the store itself is still loading.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "L1Chain": "chain",
    "Receipt": "chain",
    "Event": "chain",
    "Block": "chain",
    "L1Error": "chain",
    "InvalidTransaction": "chain",
    "fund_dev_accounts": "chain",
    "Contract": "contract",
    "Revert": "contract",
    "external": "contract",
    "payable": "contract",
    "view": "contract",
    "register_contract": "contract",
    "GasMeter": "gas",
    "OutOfGas": "gas",
    "StarkVerifierWork": "gas",
    "stark_verifier_gas": "gas",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
