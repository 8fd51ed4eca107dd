"""The ``l2`` command line: one typer app with a sub-app per area.

::

    l2 init [--dev-accounts N] [--chain-id ID] [--db URL]
    l2 sync-from-l1 --from HOME | --l1-db URL [--rollup ADDR] [--dev-accounts N]
    l2 account list | balance ADDR
    l2 tx send | deploy | submit-raw | receipt
    l2 batch seal | list | show N
    l2 call --to ADDR --data HEX [--from ADDR]
    l2 status
    l2 demo
    l2 evm ...  l2 bench ...  l2 l1 ...  l2 bridge ...
                                      (sub-apps of their own modules, loaded on first use)

Every command takes ``--home DIR`` (else ``$L2_HOME``, else ``~/.l2``), ``--json`` (one JSON object
or list on stdout, nothing else) and ``--debug`` (tracebacks), before or after the command name.

Errors are one line on stderr and exit status 1, with no traceback: user errors (bad values,
unknown accounts, malformed hex, refused transactions, a data dir that is not one) are reported
before anything is written, and a refused write changes nothing in the store. Values are taken as
text and parsed here, so a bad number gives one line instead of a usage panel.

Adding commands: a command goes on the sub-app of its area (``batch_app`` for ``batch ...``) with
the :func:`command` decorator; a new area is a module exposing a typer app, listed in
``LAZY_SUBAPPS`` — it shows up in ``l2 --help`` once the module exists.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import json
import os
import re
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

import typer
from typer.core import TyperCommand, TyperGroup

try:  # recent typer ships its own copy of click
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - older typer on top of click
    from click import exceptions as click_exceptions

__all__ = [
    "app",
    "account_app",
    "tx_app",
    "batch_app",
    "main",
    "command",
    "CliError",
    "Options",
    "options",
    "emit",
    "parse_int",
    "parse_hex",
    "parse_address_arg",
    "open_node",
    "LAZY_SUBAPPS",
]


class CliError(Exception):
    """A user error: printed as one line, exit status 1."""


# Sub-apps that live in their own modules: name -> (module, attribute, one-line help). Each is
# imported only when its command runs (or help lists it), and only listed when its module exists.
LAZY_SUBAPPS: dict[str, tuple[str, str, str]] = {
    "evm": ("l2.evm_commands", "evm_app", "Run, trace and prove EVM bytecode."),
    "bench": ("l2.bench_cli", "bench_app", "Benchmarks: prover time, proof size, memory."),
    "l1": ("l2.l1_cli", "l1_app", "The simulated L1 rollup contract."),
    "bridge": ("l2.bridge_cli", "bridge_app", "Deposits and withdrawals through the bridge."),
}


def _user_error_types() -> tuple[type[BaseException], ...]:
    from l2.crypto import InvalidAddress, InvalidPrivateKey
    from l2.node import NodeError
    from l2.store.store import StoreError
    from l2.tx import TxError
    from l2.batch_statement import StatementError
    from verifier.errors import VerificationError

    return (CliError, NodeError, StoreError, TxError, InvalidAddress, InvalidPrivateKey, VerificationError,
            StatementError)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


class _L2Group(TyperGroup):
    """The root command group: lazy sub-apps, and every failure as one line with exit status 1."""

    def list_commands(self, ctx: Any) -> list[str]:
        names = list(super().list_commands(ctx))
        for name, (module, _, _) in LAZY_SUBAPPS.items():
            if name not in names and _module_exists(module):
                names.append(name)
        return names

    def get_command(self, ctx: Any, name: str) -> Any:
        found = super().get_command(ctx, name)
        if found is None and name in LAZY_SUBAPPS:
            found = _load_subapp(name)
            self.commands[name] = found
        return found

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        args = list(sys.argv[1:] if args is None else args)
        debug = "--debug" in args or os.environ.get("L2_DEBUG") == "1"
        try:
            code = super().main(args=args, prog_name=prog_name or "l2", complete_var=complete_var,
                                standalone_mode=False, **extra)
        except click_exceptions.NoArgsIsHelpError as exc:
            print(exc.format_message())
            code = 0
        except click_exceptions.UsageError as exc:
            _error(_one_line(exc.format_message()))
            code = 1
        except click_exceptions.ClickException as exc:
            _error(_one_line(exc.format_message()))
            code = 1
        except typer.Abort:
            _error("aborted")
            code = 1
        except KeyboardInterrupt:
            code = 130
        except BrokenPipeError:
            # the reader went away (`l2 ... | head`): nothing left to say to it
            sys.stdout = open(os.devnull, "w")
            code = 1
        except Exception as exc:  # noqa: BLE001 - every failure becomes one line unless --debug
            if debug:
                traceback.print_exc()
            if isinstance(exc, _user_error_types()):
                _error(_one_line(exc))
            else:
                _error(f"{type(exc).__name__}: {_one_line(exc)} (run with --debug for the traceback)")
            code = 1
        sys.stdout.flush()
        sys.exit(code if isinstance(code, int) else 0)


def _module_exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _load_subapp(name: str) -> Any:
    module_name, attribute, help_text = LAZY_SUBAPPS[name]
    try:
        sub = getattr(importlib.import_module(module_name), attribute)
        found = typer.main.get_group(sub)  # a group, as add_typer would mount it
        found.name = name
        return found
    except Exception as exc:  # a missing or broken module must not break the other commands
        reason = _one_line(exc)

        def unavailable(*args: Any, **kwargs: Any) -> None:
            raise CliError(f"the `{name}` commands are unavailable: {reason}")

        return TyperCommand(
            name,
            callback=unavailable,
            help=f"{help_text} (unavailable: {reason})",
            context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
        )


app = typer.Typer(
    cls=_L2Group,
    name="l2",
    help="A zkEVM-style rollup you can run, prove and read on one laptop.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
account_app = typer.Typer(help="Accounts and balances.", no_args_is_help=True)
tx_app = typer.Typer(help="Send, deploy and inspect transactions.", no_args_is_help=True)
batch_app = typer.Typer(help="Seal, inspect, prove, verify and export batches.", no_args_is_help=True)
app.add_typer(account_app, name="account")
app.add_typer(tx_app, name="tx")
app.add_typer(batch_app, name="batch")


# ------------------------------------------------------------------------------------------------
# common options


@dataclass
class Options:
    """The options every command takes."""

    home: Path
    as_json: bool = False
    debug: bool = False


_ROOT = {"home": None, "as_json": False, "debug": False}
_CURRENT: list[Options] = []


@app.callback()
def _root(
    home: Optional[str] = typer.Option(None, "--home", envvar="L2_HOME", help="Data dir (default ~/.l2).",
                                       show_envvar=True),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object or list on stdout."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors."),
) -> None:
    _ROOT.update(home=home, as_json=as_json, debug=debug)


def options() -> Options:
    """The options of the running command."""
    if _CURRENT:
        return _CURRENT[-1]
    from l2.node import default_home

    return Options(Path(_ROOT["home"]).expanduser() if _ROOT["home"] else default_home(), _ROOT["as_json"], _ROOT["debug"])


def command(typer_app: typer.Typer, name: str | None = None, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a command on ``typer_app`` with the common ``--home``, ``--json`` and ``--debug`` options."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(fn)
        extra = [
            inspect.Parameter("home", inspect.Parameter.KEYWORD_ONLY, annotation=Optional[str],
                              default=typer.Option(None, "--home", help="Data dir (default $L2_HOME or ~/.l2).")),
            inspect.Parameter("as_json", inspect.Parameter.KEYWORD_ONLY, annotation=bool,
                              default=typer.Option(False, "--json", help="Print one JSON object or list on stdout.")),
            inspect.Parameter("debug", inspect.Parameter.KEYWORD_ONLY, annotation=bool,
                              default=typer.Option(False, "--debug", help="Show tracebacks on errors.")),
        ]

        @functools.wraps(fn)
        def wrapper(*args: Any, home: Optional[str] = None, as_json: bool = False, debug: bool = False,
                    **rest: Any) -> Any:
            from l2.node import default_home

            chosen = home or _ROOT["home"]
            _CURRENT.append(Options(
                home=Path(chosen).expanduser() if chosen else default_home(),
                as_json=as_json or _ROOT["as_json"],
                debug=debug or _ROOT["debug"],
            ))
            try:
                return fn(*args, **rest)
            finally:
                _CURRENT.pop()

        wrapper.__signature__ = signature.replace(parameters=[*signature.parameters.values(), *extra])  # type: ignore[attr-defined]
        wrapper.__annotations__ = {**fn.__annotations__, "home": Optional[str], "as_json": bool, "debug": bool}
        typer_app.command(name, **kwargs)(wrapper)
        return wrapper

    return decorate


def _json_default(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def emit(data: Any, human: Callable[[], None] | str | None = None) -> None:
    """Print ``data`` as JSON with ``--json``, else the human form (text or a printer)."""
    if options().as_json or human is None:
        print(json.dumps(data, default=_json_default))
    elif callable(human):
        human()
    else:
        print(human)


def _console() -> Any:
    from rich.console import Console

    return Console(soft_wrap=True)


def _table(title: str | None, columns: list[str], rows: list[list[Any]]) -> None:
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*[str(x) for x in row])
    _console().print(table)


# ------------------------------------------------------------------------------------------------
# value parsing (one-line errors instead of usage panels)

_INT_RE = re.compile(r"^(?:0[xX][0-9a-fA-F]+|[0-9][0-9_]*(?:[eE][0-9]+)?)$")


def parse_int(text: str | None, name: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    """An integer option: decimal, ``0x`` hex or ``NeM`` (e.g. ``1e18``)."""
    if text is None:
        raise CliError(f"missing {name}")
    value_text = text.strip()
    if not _INT_RE.match(value_text):
        raise CliError(f"{name} must be a non-negative integer, got {text!r}")
    if value_text[:2] in ("0x", "0X"):
        value = int(value_text, 16)
    elif "e" in value_text.lower():
        mantissa, exponent = value_text.lower().split("e")
        if int(exponent) > 100:
            raise CliError(f"{name} is out of range: {text!r}")
        value = int(mantissa.replace("_", "")) * 10 ** int(exponent)
    else:
        value = int(value_text.replace("_", ""))
    if value < minimum:
        raise CliError(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise CliError(f"{name} must be at most {maximum}, got {value}")
    return value


def parse_hex(text: str | None, name: str, *, allow_empty: bool = True) -> bytes:
    """Bytes from hex text (``0x`` optional)."""
    from l2.crypto import from_hex

    if text is None:
        raise CliError(f"missing {name}")
    try:
        data = from_hex(text.strip())
    except ValueError as exc:
        raise CliError(f"{name}: {exc}") from None
    if not data and not allow_empty:
        raise CliError(f"{name} must not be empty")
    return data


def parse_address_arg(text: str | None, name: str) -> bytes:
    from l2.crypto import InvalidAddress, parse_address

    if text is None:
        raise CliError(f"missing {name}")
    try:
        return parse_address(text.strip())
    except InvalidAddress as exc:
        raise CliError(f"{name}: {exc}") from None


def open_node() -> Any:
    """The node of the data dir in ``--home`` (NodeError if it is not one)."""
    from l2.node import Node

    return Node.open(options().home)


def _signer(node: Any, text: str | None) -> bytes:
    from l2.node import parse_key_or_index, read_key_file

    if text is None:
        raise CliError("missing --from (a dev-account index or a key file)")
    index, path = parse_key_or_index(text)
    if index is not None:
        return node.dev_key(index)
    return read_key_file(path)


# ------------------------------------------------------------------------------------------------
# init / status


@command(app, "init")
def init_cmd(
    dev_accounts: str = typer.Option("10", "--dev-accounts", help="Funded dev accounts (10^24 wei each)."),
    chain_id: str = typer.Option("1337", "--chain-id", help="EIP-155 chain id."),
    db: Optional[str] = typer.Option(None, "--db", help="Database URL (default: SQLite in the data dir)."),
) -> None:
    """Create a data dir with a genesis state (funded dev accounts, batch 0) and its development L1
    (dev accounts funded there too, rollup and bridge contracts deployed)."""
    from l2.crypto import dev_address, dev_private_key, to_hex
    from l2.node import L1_DEV_BALANCE, MAX_DEV_ACCOUNTS, Node

    count = parse_int(dev_accounts, "--dev-accounts", maximum=MAX_DEV_ACCOUNTS)
    cid = parse_int(chain_id, "--chain-id", minimum=1, maximum=2**64 - 1)
    home = options().home
    with Node.init(home, dev_accounts=count, chain_id=cid, db_url=db) as node:
        status = node.status()
        l1 = {"chain_id": node.l1().chain_id, "rollup": node.config.l1_rollup, "bridge": node.config.l1_bridge,
              "operator": node.config.l1_operator, "dev_balance": L1_DEV_BALANCE}
    accounts = [
        {"index": i, "address": to_hex(dev_address(i)), "private_key": to_hex(dev_private_key(i)),
         "balance": node.config.dev_balance}
        for i in range(count)
    ]
    data = {"chain_id": cid, "home": str(home), "db": status["db"], "state_root": status["state_root"],
            "accounts": accounts, "l1": l1}

    def human() -> None:
        print(f"Initialized chain {cid} in {home} ({status['db']})")
        print(f"genesis state root {status['state_root']}")
        print(f"L1 (chain {l1['chain_id']}): rollup {l1['rollup']}, bridge {l1['bridge']}, operator {l1['operator']}")
        if accounts:
            _table("dev accounts (public keys for local use only; shown once)", ["index", "address", "private key"],
                   [[a["index"], a["address"], a["private_key"]] for a in accounts])

    emit(data, human)


@command(app, "sync-from-l1")
def sync_from_l1_cmd(
    source: Optional[str] = typer.Option(None, "--from", help="Data dir whose L1 to read."),
    l1_db: Optional[str] = typer.Option(None, "--l1-db", help="Database URL of the L1 to read."),
    rollup: Optional[str] = typer.Option(None, "--rollup", help="Rollup contract (default: the only one on that L1)."),
    dev_accounts: str = typer.Option("10", "--dev-accounts",
                                     help="Dev accounts at genesis (the L1 holds only the genesis root)."),
) -> None:
    """Build a new node in --home from the batches the rollup contract on L1 accepted, checking every root."""
    from l2.node import MAX_DEV_ACCOUNTS, Node, data_dir_url, mask_url

    if (source is None) == (l1_db is None):
        raise CliError("give exactly one of --from HOME and --l1-db URL")
    count = parse_int(dev_accounts, "--dev-accounts", maximum=MAX_DEV_ACCOUNTS)
    address = None if rollup is None else parse_address_arg(rollup, "--rollup")
    url = l1_db if l1_db is not None else data_dir_url(Path(source).expanduser())
    home = options().home
    with Node.sync_from_l1(home, url, rollup=address, dev_accounts=count) as node:
        status = node.status()
        data = {"home": str(home), "batches": status["head_batch"], "state_root": status["state_root"],
                "genesis_root": status["genesis_root"], "chain_id": status["chain_id"],
                "rollup": node.config.l1_rollup, "l1_db": mask_url(url)}
    emit(data, f"rebuilt {data['batches']} batches from L1 into {home}: state root {data['state_root']}")


@command(app, "status")
def status_cmd() -> None:
    """Chain id, head batch, state root, mempool and store."""
    with open_node() as node:
        data = node.status()

    def human() -> None:
        tx = data["transactions"]
        print(f"chain {data['chain_id']}  head batch {data['head_batch']}  state root {data['state_root']}")
        print(f"transactions: {tx['pending']} pending, {tx['included']} included, {tx['failed']} failed, "
              f"{tx['skipped']} skipped; {data['accounts']} accounts; {data['proofs']} proofs")
        print(f"data dir {data['home']}  database {data['db']}")

    emit(data, human)


# ------------------------------------------------------------------------------------------------
# accounts


@command(account_app, "list")
def account_list() -> None:
    """The dev accounts with their balances and nonces."""
    with open_node() as node:
        data = node.dev_accounts()
    emit(data, lambda: _table(None, ["index", "address", "balance (wei)", "nonce"],
                              [[a["index"], a["address"], a["balance"], a["nonce"]] for a in data]))


@command(account_app, "balance")
def account_balance(address: str = typer.Argument(..., help="0x-address (or a dev-account index).")) -> None:
    """Balance of an account in the latest sealed state."""
    from l2.crypto import dev_address

    with open_node() as node:
        if address.strip().isdigit():
            node.dev_key(int(address))  # validates the index
            raw = dev_address(int(address))
        else:
            raw = parse_address_arg(address, "ADDR")
        data = node.account(raw)
    emit({"address": data["address"], "balance": data["balance"], "nonce": data["nonce"]},
         f"{data['address']}  {data['balance']} wei  nonce {data['nonce']}")


# ------------------------------------------------------------------------------------------------
# transactions


@command(tx_app, "send")
def tx_send(
    sender: Optional[str] = typer.Option(None, "--from", help="Dev-account index or key file."),
    to: Optional[str] = typer.Option(None, "--to", help="Recipient 0x-address."),
    value: str = typer.Option("0", "--value", help="Wei to send."),
    data: str = typer.Option("", "--data", help="Calldata hex."),
    gas: Optional[str] = typer.Option(None, "--gas", help="Gas limit (default: 21000 or an estimate)."),
    nonce: Optional[str] = typer.Option(None, "--nonce", help="Nonce (default: the next free one)."),
) -> None:
    """Sign a transaction and put it into the mempool."""
    recipient = parse_address_arg(to, "--to")
    amount = parse_int(value, "--value", maximum=2**256 - 1)
    calldata = parse_hex(data, "--data")
    gas_limit = None if gas is None else parse_int(gas, "--gas", maximum=2**64 - 1)
    tx_nonce = None if nonce is None else parse_int(nonce, "--nonce", maximum=2**64 - 2)
    with open_node() as node:
        key = _signer(node, sender)
        admitted = node.send(key, to=recipient, value=amount, data=calldata, gas=gas_limit, nonce=tx_nonce)
    emit({"hash": admitted.hash, "status": admitted.status, "nonce": admitted.nonce, "gas": admitted.tx.gas},
         f"{admitted.hash} {admitted.status} (nonce {admitted.nonce}, gas {admitted.tx.gas})")


@command(tx_app, "deploy")
def tx_deploy(
    sender: Optional[str] = typer.Option(None, "--from", help="Dev-account index or key file."),
    code: Optional[str] = typer.Option(None, "--code", help="Initcode hex (e.g. from vyper or solc)."),
    value: str = typer.Option("0", "--value", help="Wei to endow the contract with."),
    gas: Optional[str] = typer.Option(None, "--gas", help="Gas limit (default: an estimate)."),
    nonce: Optional[str] = typer.Option(None, "--nonce", help="Nonce (default: the next free one)."),
) -> None:
    """Create a contract from initcode."""
    from l2.crypto import to_hex

    initcode = parse_hex(code, "--code", allow_empty=False)
    amount = parse_int(value, "--value", maximum=2**256 - 1)
    gas_limit = None if gas is None else parse_int(gas, "--gas", maximum=2**64 - 1)
    tx_nonce = None if nonce is None else parse_int(nonce, "--nonce", maximum=2**64 - 2)
    with open_node() as node:
        key = _signer(node, sender)
        admitted, address = node.deploy(key, initcode, value=amount, gas=gas_limit, nonce=tx_nonce)
    emit({"hash": admitted.hash, "address": to_hex(address), "status": admitted.status, "nonce": admitted.nonce,
          "gas": admitted.tx.gas},
         f"{admitted.hash} {admitted.status}: contract at {to_hex(address)} once sealed (gas {admitted.tx.gas})")


@command(tx_app, "submit-raw")
def tx_submit_raw(raw: str = typer.Argument(..., help="Signed raw transaction hex (eth_sendRawTransaction form).")) -> None:
    """Put a transaction signed elsewhere (eth-account, cast, ...) into the mempool."""
    from l2.crypto import to_hex

    payload = parse_hex(raw, "raw transaction", allow_empty=False)
    with open_node() as node:
        admitted = node.submit_raw(payload)
    emit({"hash": admitted.hash, "status": admitted.status, "from": to_hex(admitted.sender), "nonce": admitted.nonce},
         f"{admitted.hash} {admitted.status} (from {to_hex(admitted.sender)}, nonce {admitted.nonce})")


@command(tx_app, "receipt")
def tx_receipt(tx_hash: str = typer.Argument(..., metavar="HASH", help="Transaction hash.")) -> None:
    """Status of a transaction, with its receipt once it is in a batch."""
    with open_node() as node:
        data = node.transaction(tx_hash)

    def human() -> None:
        print(f"{data['hash']}  {data['status']}")
        print(f"from {data['from']} to {data['to'] or '(create)'}  nonce {data['nonce']}  value {data['value']}")
        if data["batch"] is not None:
            print(f"batch {data['batch']} index {data['index']}  gas used {data['gas_used']}")
        if data["contract_address"]:
            print(f"contract {data['contract_address']}")
        if data["error"]:
            print(f"error {data['error']}")
        if data["skip_reason"]:
            print(f"skipped: {data['skip_reason']}")
        for log in data["logs"]:
            print(f"log {log['address']} topics {' '.join(log['topics'])} data {log['data']}")

    emit(data, human)


# ------------------------------------------------------------------------------------------------
# batches


@command(batch_app, "seal")
def batch_seal() -> None:
    """Execute pending transactions into a new batch and commit its state root."""
    with open_node() as node:
        result = node.seal()
    data = result.to_json()

    def human() -> None:
        if result.batch is None:
            print("nothing sealed: no executable pending transactions")
        else:
            print(f"batch {result.batch}: {data['txs']} txs ({data['failed']} failed), {data['steps']} steps, "
                  f"gas {data['gas_used']}")
            print(f"state root {data['prev_state_root']} -> {data['state_root']}")
        for item in data["skipped_txs"]:
            print(f"skipped {item['hash']}: {item['reason']}")

    emit(data, human)


@command(batch_app, "list")
def batch_list() -> None:
    """Every batch with its roots and sizes."""
    with open_node() as node:
        data = node.batches()
    emit(data, lambda: _table(None, ["batch", "txs", "steps", "gas", "proofs", "state root"],
                              [[b["batch"], b["txs"], b["steps"], b["gas_used"], b["proofs"], b["state_root"]]
                               for b in data]))


@command(batch_app, "show")
def batch_show(number: str = typer.Argument(..., metavar="N", help="Batch number.")) -> None:
    """One batch: roots, transactions and trace statistics."""
    n = parse_int(number, "batch number", maximum=2**31 - 1)
    with open_node() as node:
        data = node.batch(n)

    def human() -> None:
        print(f"batch {data['batch']} (parent {data['parent']}): {data['txs']} txs, {data['steps']} steps, "
              f"gas {data['gas_used']}, {data['proofs']} proofs")
        print(f"state root {data['prev_state_root']} -> {data['state_root']}")
        for t in data["transactions"]:
            print(f"  {t['hash']} {t['status']} from {t['from']} nonce {t['nonce']} gas {t['gas_used']}")
        opcodes = data["trace_stats"].get("opcodes") or {}
        if opcodes:
            print("opcodes: " + ", ".join(f"{k} {v}" for k, v in opcodes.items()))

    emit(data, human)


@command(batch_app, "prove")
def batch_prove(
    number: str = typer.Argument(..., metavar="N", help="Batch number."),
    out: Optional[str] = typer.Option(None, "--out", help="Also write the proof to this file."),
) -> None:
    """Prove batch N (R_prev -> R_new under its transactions) and store the proof."""
    from l2.batch_proof import prove_batch

    n = parse_int(number, "batch number", maximum=2**31 - 1)
    with open_node() as node:
        result = prove_batch(node, n)
        params = {"kind": "batch", "security_bits": result.security_bits,
                  "batch_commitment": "0x" + result.statement.commitment.hex()}
        proof_id = node.save_proof(n, result.proof, params, {"prove_seconds": round(result.prove_seconds, 3)})
    if out is not None:
        try:
            Path(out).write_bytes(result.proof)
        except OSError as exc:
            raise CliError(f"cannot write {out}: {exc.strerror}") from None
    data = {"batch": n, "proof_id": proof_id, "proof_bytes": len(result.proof),
            "prove_seconds": round(result.prove_seconds, 3), "security_bits": round(result.security_bits, 1),
            "batch_commitment": params["batch_commitment"], "file": out}
    emit(data, f"batch {n} proven in {data['prove_seconds']} s: {data['proof_bytes']} bytes, "
               f"{data['security_bits']} bits" + (f" -> {out}" if out else ""))


@command(batch_app, "verify")
def batch_verify(
    number: str = typer.Argument(..., metavar="N", help="Batch number."),
    proof: Optional[str] = typer.Option(None, "--proof", help="Proof file (default: the newest stored proof)."),
) -> None:
    """Verify a proof of batch N against the batch as the node stored it."""
    from l2.batch_proof import batch_statement, verify_batch

    n = parse_int(number, "batch number", maximum=2**31 - 1)
    with open_node() as node:
        statement = batch_statement(node, n)
        if proof is None:
            stored = [p for p in node.proofs(n) if (p["params"] or {}).get("kind") == "batch"]
            if not stored:
                raise CliError(f"batch {n} has no stored proof (run `l2 batch prove {n}`)")
            data = stored[0]["proof"]
        else:
            data = _read_file(proof)
    verify_batch(statement, data)
    _check_receipt_logs(n, statement, data)
    emit({"valid": True, **statement.as_dict()}, f"valid: batch {n} proof checks against state root "
                                                f"{statement.as_dict()['state_root']}")


def _check_receipt_logs(n: int, statement: Any, proof: bytes) -> None:
    """Refuse when the logs the proof's execution statements emit are not the node's receipts'."""
    from Crypto.Hash import keccak

    from l2.batch_proof import proven_logs
    from l2.tx import Log

    proven = proven_logs(proof)
    with open_node() as node:
        for index, raw in enumerate(statement.transactions):
            tx_hash = "0x" + keccak.new(digest_bits=256, data=raw).hexdigest()
            stored = [Log.from_dict(log) for log in node.transaction(tx_hash)["logs"]]
            if stored != proven.get(index, []):
                raise CliError(f"batch {n}: transaction {index}'s receipt logs are not the ones its proof emits")


@command(batch_app, "export")
def batch_export(
    number: str = typer.Argument(..., metavar="N", help="Batch number."),
    file: str = typer.Argument(..., metavar="FILE", help="Where to write the statement, batch data and proof."),
) -> None:
    """Write batch N's statement, transactions and newest proof to one file (check it with `l2 verify`)."""
    from l2.batch_proof import batch_statement, encode_file

    n = parse_int(number, "batch number", maximum=2**31 - 1)
    with open_node() as node:
        statement = batch_statement(node, n)
        stored = [p for p in node.proofs(n) if (p["params"] or {}).get("kind") == "batch"]
    if not stored:
        raise CliError(f"batch {n} has no stored proof (run `l2 batch prove {n}`)")
    blob = encode_file(statement, stored[0]["proof"])
    try:
        Path(file).write_bytes(blob)
    except OSError as exc:
        raise CliError(f"cannot write {file}: {exc.strerror}") from None
    emit({"batch": n, "file": file, "bytes": len(blob), "batch_commitment": "0x" + statement.commitment.hex()},
         f"batch {n} exported to {file} ({len(blob)} bytes)")


@command(app, "verify")
def verify_cmd(file: str = typer.Argument(..., metavar="FILE", help="A file written by `l2 batch export`.")) -> None:
    """Verify an exported batch file with no data dir: prints the statement it proves."""
    from l2.batch_proof import verify_file_bytes

    report = verify_file_bytes(_read_file(file))
    emit(report, f"valid: batch {report['batch']} of chain {report['chain_id']}, {report['txs']} txs, "
                 f"state root {report['prev_state_root']} -> {report['state_root']}")


def _read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None


# ------------------------------------------------------------------------------------------------
# read-only call and demo


@command(app, "call")
def call_cmd(
    to: Optional[str] = typer.Option(None, "--to", help="Contract 0x-address."),
    data: str = typer.Option("", "--data", help="Calldata hex."),
    sender: Optional[str] = typer.Option(None, "--from", help="Caller 0x-address (default zero address)."),
    value: str = typer.Option("0", "--value", help="Wei sent with the call."),
) -> None:
    """Execute a call on the latest state without a transaction (like eth_call)."""
    from l2.crypto import to_hex

    target = parse_address_arg(to, "--to")
    calldata = parse_hex(data, "--data")
    caller = None if sender is None else parse_address_arg(sender, "--from")
    amount = parse_int(value, "--value", maximum=2**256 - 1)
    with open_node() as node:
        result = node.call(to=target, data=calldata, sender=caller, value=amount)
    out = {"status": result.status, "output": to_hex(result.output), "gas_used": result.gas_used,
           "error": result.error}
    emit(out, f"{result.status}  output {out['output']}  gas {result.gas_used}"
              + (f"  error {result.error}" if result.error else ""))


@command(app, "demo")
def demo_cmd() -> None:
    """Everything on a throwaway chain: deposit, transfers, a contract, batches, a batch proof accepted on L1."""
    from l2.demo import print_report, run_demo

    report = run_demo()
    emit(report, lambda: print_report(report))


def main() -> None:
    """Console-script entry point (``l2``)."""
    app()


if __name__ == "__main__":
    main()
