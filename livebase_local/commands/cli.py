"""`./livebase <command>`: the embedded default, from one entry point.

demo     local AWS + the market stacks + a seeded order stream end to end, then a report
up       keep local AWS (markets + hq), the runner, Prefect (UI, worker) and the signal bridge running
synth    synthesise the CDK app into cdk.out (same as `npx cdk synth`)
replay   re-drive a market's dead letters (ingest: back on the stream; orders: to its function)
simulate generate a seeded live day for a market; write it to a file or send it to the stream
receive  book a goods receipt against a purchase order (SKU=QTY ...), as the warehouse would
presale  open a presale capped by an inbound purchase order's unpromised units (presale open --market --sku --cap)
order    ops: cancel, refund or return an order with a reason, or book a received return (on order-returns)
price    ops: set or show a session's live price / promotion for a SKU
erase    remove one viewer's personal data from every store of a market; a receipt in its data lake
passport-grant  grant a supplier a passport batch (its owner if nobody opened it; else it may add events)
stock    book a seeded catalogue and the opening stock into a running `up` (idempotent)
run      run a flow on the running `up` (parameters checked first, all faults named) and follow it
fx-rates the ECB's reference rates into config/fx_rates.json (--from-file F: a saved reply; --up: hq's store too)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from livebase.markets.config import MarketConfigError, load_markets, selling_markets
from livebase_local.commands.deploy import add_deploy_parser, run_deploy
from livebase_local.commands.order import add_order_parser, run_order
from livebase_local.commands.passport_grant import add_passport_grant_parser, run_passport_grant
from livebase_local.commands.presale import add_presale_parser, run_presale
from livebase_local.commands.price import add_price_parser, run_price


def _market_list(value: str) -> list[str]:
    markets = load_markets()
    chosen = [m.strip() for m in value.split(",") if m.strip()]
    selling = {m.id for m in selling_markets(markets)}
    unknown = [m for m in chosen if m not in selling]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown market(s) {unknown or value!r}; choose from {', '.join(sorted(selling))}"
        )
    return chosen


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="livebase", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    commands = parser.add_subparsers(dest="command", metavar="command")

    demo = commands.add_parser("demo", help="run the seeded live stream end to end and report")
    demo.add_argument("--markets", type=_market_list, default=["sea", "eu"], help="comma-separated (sea,eu)")
    demo.add_argument("--orders", type=int, default=40, help="valid orders per market (default 40)")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--live-records", type=int, default=1500, help="simulated live-show records per market")

    up = commands.add_parser("up", help="keep local AWS, the runner, Prefect (UI, worker) and the bridge running")
    up.add_argument("--markets", type=_market_list, default=None, help="default: every selling market")

    synth = commands.add_parser("synth", help="synthesise the CDK app")
    synth.add_argument("--out", default="cdk.out")

    replay = commands.add_parser("replay", help="re-drive a market's DLQs after a fix")
    replay.add_argument("market", type=lambda v: _market_list(v)[0])
    replay.add_argument("--aws", action="store_true", help="use the real AWS account of your credentials")
    replay.add_argument("--include-invalid", action="store_true",
                        help="re-drive validation failures too (they fail the same way and come back)")  # fmt: skip

    simulate = commands.add_parser(
        "simulate", help="seeded live day -> file or stream (see `simulate --help`)", add_help=False
    )
    simulate.add_argument("--aws", action="store_true", help="send to real AWS (default: the running `up`)")

    receive = commands.add_parser("receive", help="book a goods receipt against a purchase order")
    receive.add_argument("market", type=lambda v: _market_list(v)[0])
    receive.add_argument("po_id", help="the purchase order, e.g. PO-sea-SUP-A-20261203")
    receive.add_argument("lines", nargs="+", metavar="SKU=QTY", help="units counted in, per SKU")
    receive.add_argument("--receipt-id", help="the warehouse's id for this delivery (default: a new one)")
    receive.add_argument("--aws", action="store_true", help="use the real AWS account of your credentials")

    stock = commands.add_parser("stock", help="book a seeded catalogue and opening stock into the running `up`")
    stock.add_argument("--market", "--markets", dest="markets", type=_market_list, default=None,
                       help="comma-separated (default: every market `up` runs)")  # fmt: skip

    run = commands.add_parser("run", help="run a flow on the running `up` and follow it to its end")
    run.add_argument("flow", help="the flow's name, e.g. order-to-replenish (`./livebase run help` lists them)")
    run.add_argument("parameters", nargs="*", metavar="NAME=VALUE", help="JSON or text; a list also as a,b")
    run.add_argument("--timeout", type=float, default=3600.0, help="seconds to follow it (default 3600)")

    case = commands.add_parser("business-case", help="the finance model's headline and feasibility (no AWS)")
    case.add_argument("--market", default=None, help="a market's plan (default: the whole base)")
    case.add_argument("--brand-carries", default="", help="variable costs the brand pays, e.g. logistics,payment_fees")
    case.add_argument("--discount-rate", type=float, default=None, help="default: the plan's (20 %%)")
    case.add_argument("--file", default=None, help="a business case YAML (default: the packaged one)")
    case.add_argument("--draws", type=int, default=5000, help="Monte Carlo draws")

    add_presale_parser(commands, lambda v: _market_list(v)[0])
    add_order_parser(commands, lambda v: _market_list(v)[0])
    add_price_parser(commands, lambda v: _market_list(v)[0])

    add_deploy_parser(commands)
    add_passport_grant_parser(commands, lambda v: _market_list(v)[0])
    erase = commands.add_parser("erase", help="remove a viewer's personal data from every store of a market")
    erase.add_argument("market", type=lambda v: _market_list(v)[0])
    erase.add_argument("viewer", help="the pseudonymous id (v_...) or the raw account id (pseudonymised in-region)")
    erase.add_argument("--aws", action="store_true", help="use the real AWS account of your credentials")

    fx = commands.add_parser("fx-rates", help="the ECB's reference rates into config/fx_rates.json")
    fx.add_argument("--from-file", default=None, help="a saved ECB reply (eurofxref-daily.xml, -hist-90d.xml)")
    fx.add_argument("--up", action="store_true", help="also into hq's store of the running `up`")
    commands.add_parser("setup", help="only set up (Python packages, CDK CLI)")
    commands.add_parser("help", help="this help")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; a known failure is one clear line on stderr, not a traceback."""
    from livebase_local.aws.deploy import DeployError
    from livebase_local.aws.env import RealCredentialsError
    from livebase_local.aws.moto_server import LocalAwsError
    from livebase_local.commands.prefect_server import PrefectServerError

    try:
        return _run(argv)
    except (MarketConfigError, LocalAwsError, RealCredentialsError, DeployError, PrefectServerError) as error:
        print(f"livebase: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args, rest = parser.parse_known_args(argv)
        if rest and args.command != "simulate":
            parser.error(f"unrecognized arguments: {' '.join(rest)}")
    except MarketConfigError as error:
        print(f"livebase: {error}", file=sys.stderr)
        return 2
    if args.command in (None, "help"):
        parser.print_help()
        return 0
    if args.command == "setup":
        print("livebase: set up (.venv and node_modules are ready)")
        return 0
    if args.command == "synth":
        from livebase_local.assembly_cache import synthesise

        out = synthesise(args.out)
        print(f"synthesised {len(load_markets())} market stacks into {out}")
        return 0
    if args.command == "demo":
        from livebase_local.commands.demo import run_demo

        return run_demo(args.markets, orders=args.orders, seed=args.seed, live_records=args.live_records)
    if args.command == "up":
        from livebase_local.commands.up import run_up

        return run_up(args.markets)
    if args.command == "simulate":
        from livebase_local.simulator.records import main as simulate

        if ("--send" in rest or "--stream" in rest) and not args.aws:
            from livebase_local.platform import attach_local_environment

            attach_local_environment()
        return simulate(rest)
    if args.command == "replay":
        from livebase_local.commands.replay import local_orders_function, replay_dead_letters
        from livebase_local.platform import market_resources

        resources = market_resources([args.market], real_aws=args.aws)[args.market]
        orders = None if args.aws else local_orders_function(resources)
        report = replay_dead_letters(resources, orders, include_invalid=args.include_invalid)
        print(report.line(args.market))
        return 0
    if args.command == "receive":
        from livebase_local.commands.receive import ReceiptError, parse_receipt, receipt_line, receive
        from livebase_local.platform import market_resources

        try:
            receipt = parse_receipt(args.po_id, args.lines, args.receipt_id)
        except ReceiptError as error:
            print(f"livebase: {error}", file=sys.stderr)
            return 2
        resources = market_resources([args.market], real_aws=args.aws)[args.market]
        outcome = receive(resources, receipt)
        print(receipt_line(receipt, outcome))
        if outcome.reason.startswith("unknown purchase order"):
            from livebase_local.commands.receive import open_purchase_orders

            known = open_purchase_orders(resources)
            print(f"open purchase orders in {args.market}: " + ("; ".join(known) if known else "none"))
        return 1 if outcome.status.value == "refused" else 0
    if args.command == "presale":
        return run_presale(args)
    if args.command in ("order", "price"):
        return run_order(args) if args.command == "order" else run_price(args)
    if args.command == "fx-rates":
        from livebase_local.commands.fx_rates import run_fx_rates

        return run_fx_rates(args.from_file, args.up)
    if args.command == "stock":
        from livebase_local.commands.stock import run_stock

        return run_stock(args.markets)
    if args.command == "run":
        from livebase_local.commands.flow_run import FlowRunError, run_and_follow

        try:
            return run_and_follow(args.flow, args.parameters, args.timeout)
        except FlowRunError as error:
            print(f"livebase: {error}", file=sys.stderr)
            return 2
    if args.command == "business-case":
        from pathlib import Path

        from livebase_local.commands.business_case import run_business_case

        carried = [item for item in args.brand_carries.split(",") if item]
        path = Path(args.file) if args.file else None
        return run_business_case(args.market, carried, args.discount_rate, path, args.draws)
    if args.command == "deploy":
        return run_deploy(args)
    if args.command == "passport-grant":
        return run_passport_grant(args)
    if args.command == "erase":
        from livebase.privacy.erasure import ErasureError
        from livebase_local.commands.erase import erase, erasure_line
        from livebase_local.platform import market_resources

        resources = market_resources([args.market], real_aws=args.aws)[args.market]
        try:
            erased = erase(resources, args.viewer, progress=True)
        except ErasureError as error:
            print(f"livebase: {error}", file=sys.stderr)
            return 2
        print(erasure_line(erased))
        return 0 if erased.complete else 1
    parser.error(f"unknown command {args.command}")
    return 2
