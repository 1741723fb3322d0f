"""`./livebase demo`: the whole path once, on the embedded default, with a report at the end."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any

import boto3

from livebase.markets.config import Market, load_markets
from livebase.markets.resources import CueSettings, MarketResources
from livebase.stores.orders import WMS_SHIPPED, OrderStore
from livebase.stores.purchase_orders import PurchaseOrderStore
from livebase.stores.room_metrics import RoomStore
from livebase_local.commands.demo_orders import order_life, presale_opened, presale_served
from livebase_local.commands.demo_passport import passport_demo
from livebase_local.commands.demo_player import player_demo
from livebase_local.commands.demo_settlement import settlement_demo
from livebase_local.commands.demo_studio import studio_demo
from livebase_local.commands.demo_tax import landed_price_line
from livebase_local.commands.demo_trust import trust_demo
from livebase_local.commands.prefect_server import LocalPrefectServer
from livebase_local.commands.run_log import RunLog
from livebase_local.platform import STATE_DIR, LocalPlatform
from livebase_local.runner.recorded_cues import recorded_cues
from livebase_local.simulator.demo_orders import OPENING_STOCK, seeded_orders
from livebase_local.simulator.records import SimRecord, generate_day, recent_day, send_to_kinesis
from livebase_local.simulator.stock import seed_catalogue, seed_stock
from livebase_local.simulator.supplier import deliver_purchase_orders
from livebase_local.simulator.wms import acknowledge_pick_packs

LIVE_ROOM = 2  # the prime-time room of the simulated day


def _dlq_reasons(queue_url: str, region: str) -> list[str]:
    sqs = boto3.client("sqs", region_name=region)
    reasons: list[str] = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=300)
        batch = messages.get("Messages", [])
        if not batch:
            return reasons
        for message in batch:
            body = json.loads(message["Body"])
            reasons.append(str(body.get("reason") or body.get("errorMessage") or body.get("condition")))


def send_live_show(market: Market, resources: MarketResources, records: int, seed: int) -> str:
    """A slice of the simulated prime-time show (with its line-up's stock); returns the room id."""
    room = f"{market.id}-room-{LIVE_ROOM}"
    seed_stock(resources, {f"{market.id.upper()}-{LIVE_ROOM}{n:04d}": 300 for n in range(8)})
    day = generate_day(market, seed, scale=0.05, malformed_share=0.002, day=recent_day())
    show = [r for r in day if f'"room_id":"{room}"'.encode() in r.data][:records]
    send_to_kinesis(show, resources.stream_name, resources.region, total=len(show))
    return room


def room_summary(resources: MarketResources, room: str) -> str:
    table = boto3.resource("dynamodb", region_name=resources.region).Table(resources.room_metrics_table)
    minutes, alerts = RoomStore(table).room(room)
    if not minutes:
        return f"{room}: no minutes yet"
    return (
        f"{room}: {len(minutes)} minutes, peak {max(m.concurrent_viewers for m in minutes)} viewers, "
        f"{sum(m.comments for m in minutes)} comments, {sum(m.likes for m in minutes)} likes, "
        f"{sum(m.orders for m in minutes)} orders, GMV {sum(m.gmv for m in minutes)} {minutes[0].currency}; "
        f"alerts: {', '.join(alerts) or 'none'}"
    )


def supply_chain(resources: MarketResources, purchase_orders: list[dict[str, Any]], drain: Callable[[], Any]) -> str:
    """The rest of the loop, through the stack's queues as in the cloud: the simulated warehouse
    picks and ships what was handed to it (its updates on the shipment-updates queue), and the
    simulated supplier delivers in full every purchase order announced on the supplier-orders
    queue (one goods receipt each on the goods-receipts queue); the runner's ``fulfilment`` and
    ``receiving`` functions apply them; the outcome is read back from the stores."""
    acknowledge_pick_packs(resources)
    delivered = deliver_purchase_orders(resources)
    drain()
    handed = OrderStore.for_market(resources).handed_off()
    picked = sum(order.wms_picked_at is not None for order in handed)
    shipped = sum(order.wms_status == WMS_SHIPPED for order in handed)
    store = PurchaseOrderStore.for_market(resources)
    booked = closed = 0
    for po_id in dict.fromkeys(delivered.po_ids):
        po = store.get(po_id)
        booked += po is not None and bool(po.get("receipts"))
        closed += po is not None and po["status"] != "open"
    return (
        f"warehouse: {picked} picked, {shipped} shipped; purchase orders: {len(purchase_orders)} written, "
        f"{delivered.orders} sent to suppliers, {booked} received in full ({closed} closed)"
    )


def room_cue_summary(resources: MarketResources, service: str) -> str:
    """The cues the room-cue function sent to each room (recorded locally: moto has no IVS
    ``PutMetadata`` / MediaLive schedule), with the first few read out."""
    if service == "none":
        return "room cues: none sent (no live video in this market; the function counts them: RoomCuesWithoutVideo)"
    cues = recorded_cues(resources)
    shown = [f"{c['room']}: {c['metadata']['sku']} {next(iter(c['metadata']['text'].values()))}" for c in cues[:3]]
    more = f"; ... and {len(cues) - 3} more" if len(cues) > 3 else ""
    return f"room cues: {len(cues)} sent via {service}" + (f" ({'; '.join(shown)}{more})" if shown else "")


def run_demo(market_ids: list[str], orders: int, seed: int, live_records: int = 1500) -> int:
    """Run the whole path; the report on the terminal, every log under ``.livebase/logs/``."""
    started = time.monotonic()
    markets = load_markets()
    with (
        RunLog(STATE_DIR / "logs", "demo") as run,
        LocalPrefectServer(STATE_DIR / "prefect").launched() as prefect_server,  # migrates while stacks deploy
        LocalPlatform(market_ids) as platform,
    ):
        say = run.report
        stacks = ", ".join(f"{markets[m].stack_name} ({markets[m].region})" for m in market_ids)
        say(f"local AWS on {platform.endpoint_url}; stacks deployed: {stacks}")
        sent: dict[str, int] = {}
        for market_id in market_ids:
            runtime = platform.runtimes[market_id]
            seed_catalogue(runtime.resources)  # the list prices the orders consumer charges (issue 28)
            seed_stock(runtime.resources, OPENING_STOCK)
            records = seeded_orders(markets[market_id], orders, seed)
            report = send_to_kinesis(
                (SimRecord(0.0, f"pk-{n}", data, "demo") for n, data in enumerate(records)),
                runtime.resources.stream_name, runtime.resources.region, progress=False,
            )  # fmt: skip
            if report.failed:
                raise RuntimeError(f"Kinesis refused {report.failed} demo records of {market_id}")
            sent[market_id] = len(records)
        rooms = {}
        if live_records:
            say(f"simulated live show: {live_records} records of prime time per market")
            for market_id in market_ids:
                runtime = platform.runtimes[market_id]
                rooms[market_id] = send_live_show(markets[market_id], runtime.resources, live_records, seed)
        stats = platform.drain()
        say(f"event-source runner: {stats}")

        with prefect_server.wait_ready():
            os.environ["PREFECT_API_URL"] = prefect_server.api_url  # before Prefect is imported
            from flows.order_to_replenish import order_to_replenish

            run.quiet_terminal()  # Prefect, just imported, logs to the terminal: onto the run's log instead
            summaries = {s.market: s for s in order_to_replenish(markets=market_ids)}
            from livebase_local.commands.regional import hq_rollup_lines

            rollup = hq_rollup_lines(platform.synthesised(), market_ids, platform.drain, seed)  # issues 18, 31
            say("\nhq roll-up (regional-processing: aggregates only, cells behind < k viewers suppressed):")
            for line in rollup:
                say(f"  {line}")
            from prefect.logging.handlers import APILogHandler

            APILogHandler().flush()  # the run's logs reach the server before it stops
        say("\nmarket  region        orders  placed  rejected  quarantined  revenue          top SKU")
        for market_id in market_ids:
            resources = platform.runtimes[market_id].resources
            ours = f"ord-{market_id}-{seed}-"  # the demo's orders (seeded_orders), not the live show's or the stories'
            statuses = OrderStore.for_market(resources).status_counts(ours)
            reasons = _dlq_reasons(resources.ingest_dlq_url, resources.region)
            summary = summaries[market_id]
            top = next(iter(summary.units_per_sku.items()), ("-", 0))
            say(
                f"{market_id:<7} {resources.region:<15} {sent[market_id]:>4}  {statuses['placed']:>6}  "
                f"{statuses['rejected']:>8}  {len(reasons):>11}  {summary.revenue:>10} {summary.currency}  "
                f"{top[0]} ({top[1]} units)"
            )
            for reason in reasons[:4]:
                say(f"        DLQ: {reason[:150]}")
            if len(reasons) > 4:
                say(f"        ... and {len(reasons) - 4} more on the DLQ")
            if market_id in rooms:
                say(f"        live room {room_summary(resources, rooms[market_id])}")
            services = [CueSettings.from_environment(env).service for env in (t.environment for t in
                        platform.bus_targets.targets(market_id)) if CueSettings.present_in(env)]  # fmt: skip
            say(f"        {room_cue_summary(resources, services[0] if services else 'none')}")
            say(f"        {landed_price_line(resources)}")  # issue 33: tax and duty by destination
            presale, presale_lines = presale_opened(resources, platform.drain, seed)  # issue 28: before the goods
            for line in presale_lines:
                say(f"        {line}")
            ops_po = [{"po_id": presale.po_id}] if presale and presale.po_placed else []
            say(f"        {supply_chain(resources, [*summary.purchase_orders, *ops_po], platform.drain)}")
            served = [presale_served(resources, presale)] if presale else []
            for line in [*served, *order_life(resources, platform.drain)]:  # issue 28: after the sale
                say(f"        {line}")
            settled = settlement_demo(markets[market_id], resources, platform.drain, STATE_DIR / "settlement")
            say("\n".join(f"        {line}" for line in settled))  # issue 33: the day's ledger, balanced
            say(studio_demo(platform, market_id))  # issue 19: a camera fails over
            from livebase_local.commands.demo_sessions import sessions_demo  # imports Prefect: after its URL is set

            say(sessions_demo(markets[market_id], resources))  # issue 17: tomorrow's sessions, channels ready
            say(passport_demo(resources, platform.drain, STATE_DIR / "passport"))
            say(trust_demo(platform, markets[market_id]))  # issue 32: comments moderated, a fake-order ring held
            say(player_demo(resources))  # issue 31: a viewer's experiment arm and recommendations
        from livebase_local.commands.business_case import demo_line

        say(f"\n{demo_line()}")
        say(f"\ndone in {time.monotonic() - started:.0f}s. Where to look:")
        say(f"  logs: {run.path} (Prefect flows and tasks, libraries), beside it <function>-<market>.log per handler")
        say(f"  synthesised templates: {platform.synthesised()}")
        say("  orders: DynamoDB table per market (names in the stack outputs), in the market's own region")
        say("Go on: `./livebase up` keeps local AWS, the runner and the Prefect UI (http://127.0.0.1:4200)")
        say("running; `./livebase help` lists every command.")
    return 0
