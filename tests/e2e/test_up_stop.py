"""A day of operations on one `./livebase up` (issues 21, 29, 30), as a user runs it from outside.

`up` starts on moved ports (free ones, as with ``LIVEBASE_PREFECT_PORT=4280``) and the UI is told
that port; a simulated live day sent to the stream places orders (the opening stock is booked:
none rejected for want of stock); then every served deployment completes once with its defaults
through the real Prefect worker (order-to-replenish and regional-processing on the day's orders, hq
deployed); a person in headless Chromium runs order-to-replenish from the UI and reads its decisions
(a screenshot under ``.livebase/screenshots/``); `stock` again says what exists. Then it stops as a
user expects: on SIGTERM to its process group (a supervisor, or Ctrl-C's SIGINT, which takes the
same path) it exits cleanly, without a traceback, leaving no process or port behind (the
worker and the signal bridge included). How fast is measured by ``benchmarks/up_stop.py``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flows.catalogue import FLOWS
from livebase_local.platform import STATE_DIR
from livebase_local.up_probe import UpProcess, start_up
from tests.e2e.prefect_browser import chromium_or_skip, run_from_ui

pytestmark = pytest.mark.slow
MARKET = "sea"


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UpProcess]:
    started = start_up([MARKET], tmp_path_factory.mktemp("up") / "state")
    try:
        started.wait_ready(timeout=900)
        yield started
    finally:
        if started.process.poll() is None:
            started.stop(signal.SIGTERM)


def livebase(up: UpProcess, *argv: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """A `./livebase` command against this `up` (its ports and state), as a user in another terminal."""
    aws_port, _, prefect_port = up.ports
    env = {**os.environ, "LIVEBASE_AWS_PORT": str(aws_port), "LIVEBASE_PREFECT_PORT": str(prefect_port),
           "LIVEBASE_STATE_DIR": str(up.log_path.parent)}  # fmt: skip
    for name in ("PREFECT_API_URL", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KINESIS"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "livebase_local", *argv], env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)  # fmt: skip


@pytest.mark.timeout(1200)  # the first test waits for `up` to be ready
def test_each_start_step_is_reported_with_its_seconds(up: UpProcess) -> None:
    output = up.output()
    steps = ("local AWS (moto)", "Livebase-sea deployed", "Livebase-hq deployed", "Prefect server on",
             "opening stock: sea:", "deployments on work pool livebase-process", "Prefect worker started")  # fmt: skip
    for step in steps:
        assert step in output, output[-3000:]


@pytest.mark.timeout(300)
def test_the_ui_is_told_the_port_it_is_served_on(up: UpProcess) -> None:
    port = up.ports[2]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/ui-settings", timeout=30) as reply:
        assert json.load(reply)["api_url"] == f"http://127.0.0.1:{port}/api"


# What no default can be for: the event or the experiment a run is about, the cloud job's image and role.
# Every other parameter of every served deployment is its default (`up` names its market).
RUN_INPUT: dict[str, dict[str, object]] = {
    "room-alert": {"room_id": f"{MARKET}-room-1", "kind": "viewer_drop", "evidence": {"viewers": 120, "before": 900}},
    "experiment-analysis": {"experiment_id": "exp-no-viewers"},
    "forecast-scaleout": {"image_uri": "livebase-forecast:local", "role_arn": "arn:aws:iam::123456789012:role/forecast",
                          "kms_key_arn": "arn:aws:kms:ap-southeast-1:123456789012:key/local"},
}  # fmt: skip


@pytest.fixture(scope="module")
def simulated_day(up: UpProcess) -> subprocess.CompletedProcess[str]:
    """A simulated live day sent to the stream, before the flows run (they read its orders)."""
    return livebase(up, "simulate", "--market", MARKET, "--scale", "0.02", "--send")


@pytest.fixture(scope="module")
def every_deployment_run(up: UpProcess, simulated_day: object) -> dict[str, dict[str, Any]]:
    """One run of each served deployment after the simulated day, all submitted at once, then waited for
    (the worker runs them side by side); name -> the run as the API reads it, with ``missing``: required
    parameters left open. order-to-replenish and regional-processing (hq is deployed: the roll-up has
    somewhere to go) run on the day's orders."""
    api = f"http://127.0.0.1:{up.ports[2]}/api"
    started, runs, missing = time.monotonic(), {}, {}
    for spec in FLOWS:
        deployment = _api(api, "GET", f"/deployments/name/{spec.name}/{spec.name}")
        required = set(deployment["parameter_openapi_schema"].get("required", []))
        missing[spec.name] = required - set(deployment["parameters"])
        run = _api(api, "POST", f"/deployments/{deployment['id']}/create_flow_run",
                   {"parameters": RUN_INPUT.get(spec.name, {})})  # fmt: skip
        runs[run["id"]] = spec.name
    submitted = time.monotonic() - started
    ended: dict[str, dict[str, Any]] = {}
    while len(ended) < len(runs) and time.monotonic() - started < 1500:
        time.sleep(3)
        for run in _api(api, "POST", "/flow_runs/filter", {"flow_runs": {"id": {"any_": list(runs)}}}):
            if run["state"] and run["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
                ended[runs[run["id"]]] = run | {"missing": missing[runs[run["id"]]]}
    print(f"{len(runs)} deployments: submitted in {submitted:.0f} s, all ended {time.monotonic() - started:.0f} s "
          f"after the first; " + ", ".join(f"{n} {r['total_run_time']:.0f} s" for n, r in ended.items()))  # fmt: skip
    return ended


@pytest.mark.timeout(1800)  # the first one waits for all of them
@pytest.mark.parametrize("name", [spec.name for spec in FLOWS])
def test_every_served_deployment_completes_once_with_its_defaults(
    every_deployment_run: dict[str, dict[str, Any]], name: str
) -> None:
    run = every_deployment_run.get(name)
    assert run is not None, f"{name}: the run did not end in time"
    given = set(RUN_INPUT.get(name, {}))
    assert run["missing"] == given, f"{name}: required parameters without a default: {run['missing']} (given {given})"
    state = run["state"]
    assert state["type"] == "COMPLETED", f"{name} ({run['name']}) {state['name']}: {state['message']}"


@pytest.mark.timeout(1200)
def test_a_simulated_day_places_orders(up: UpProcess, simulated_day: subprocess.CompletedProcess[str]) -> None:
    sent = simulated_day  # the flows ran on it (every deployment); `./livebase run` is the failed run's test
    assert sent.returncode == 0 and "failed: 0" in sent.stdout, sent.stdout + sent.stderr
    placed = _order_statuses(up)
    assert placed.get("placed", 0) > 0 and placed.get("rejected", 0) == 0, placed


@pytest.mark.timeout(900)
def test_a_person_runs_order_to_replenish_from_the_ui_and_reads_its_decisions(up: UpProcess) -> None:
    chromium_or_skip()
    screenshot = STATE_DIR / "screenshots" / "order-to-replenish.png"
    ui, artifact = f"http://127.0.0.1:{up.ports[2]}", f"order-to-replenish-decisions-{MARKET}"
    seen = run_from_ui(ui, "order-to-replenish", artifact, screenshot)
    print(f"browser: quick run to its decisions in {seen.seconds:.0f} s; screenshot {screenshot}")
    assert seen.state == "Completed", seen.run_url
    text = seen.artifact_text
    assert f"{MARKET}:" in text and "to order" in text, text[:2000]  # the decision first, in words
    for column in ("sku", "order_qty", "reasons", "on_hand", "supplier"):
        assert column in text, text[:2000]
    assert re.search(r"\b(SEA|SKU)-[A-Z0-9-]+\b", text), text[:2000]  # the rows: SKUs a person can read
    assert screenshot.stat().st_size > 10_000


@pytest.mark.timeout(900)
def test_a_failed_run_says_why_on_the_cli_and_in_up(up: UpProcess) -> None:
    failed = livebase(up, "run", "regional-processing", "markets=eu")  # eu's stack is not deployed in this `up`
    assert failed.returncode == 1, failed.stdout + failed.stderr
    reason = failed.stdout.strip().splitlines()[-1]
    assert "Failed:" in reason and "eu" in reason.split("Failed:", 1)[1], failed.stdout
    told = "flow run regional-processing/regional-processing"  # `up` reports it on its own terminal
    deadline = time.monotonic() + 60
    while told not in up.output() and time.monotonic() < deadline:
        time.sleep(1)
    assert "Failed:" in up.output().split(told, 1)[-1], up.output()[-2000:]


def test_stock_again_says_what_already_exists(up: UpProcess) -> None:
    again = livebase(up, "stock", "--market", MARKET)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "already tracked" in again.stdout and "catalogue already there" in again.stdout


def test_a_bad_date_is_refused_before_a_run_exists(up: UpProcess) -> None:
    refused = livebase(up, "run", "session-planning", "start=2026-13-40", "days=0")
    assert refused.returncode == 2
    assert "start: Input should be a valid date" in refused.stderr and "days:" in refused.stderr


@pytest.mark.timeout(600)
def test_up_stops_cleanly_on_a_group_sigterm(up: UpProcess) -> None:
    seconds = up.stop(signal.SIGTERM)
    output = up.output()
    print(f"`up` exited {seconds:.1f} s after SIGTERM to its process group")
    assert up.process.returncode == 0, output[-2000:]
    assert "Traceback" not in output, output[-4000:]
    assert output.rstrip().endswith("stopped."), output[-2000:]
    assert up.leftovers() == [] and _children_left(up.log_path.parent) == []


def _api(api: str, method: str, path: str, body: object = None) -> Any:
    """Prefect's REST API as any client calls it; a 503 (SQLite busy under load) is tried again, as Prefect's does."""
    for attempt in range(8):
        request = urllib.request.Request(api + path, method=method, headers={"content-type": "application/json"},
                                         data=None if body is None else json.dumps(body).encode())  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                return json.load(reply)
        except urllib.error.HTTPError as error:
            if error.code != 503 or attempt == 7:
                raise AssertionError(f"{method} {path}: {error.code} {error.read().decode()[:500]}") from error
            time.sleep(2 + attempt)


def _order_statuses(up: UpProcess) -> dict[str, int]:
    script = (
        "import json; from livebase_local.platform import market_resources; "
        "from livebase.stores.orders import OrderStore; "
        f"r = market_resources(['{MARKET}'])['{MARKET}']; "
        "print(json.dumps(OrderStore.for_market(r).status_counts()))"
    )
    env = {**os.environ, "LIVEBASE_AWS_PORT": str(up.ports[0])}
    env.pop("AWS_ENDPOINT_URL", None)
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _children_left(state_dir: Path) -> list[str]:
    """Processes still running that `up` started (the worker, the bridge, flow runs): they carry its state dir."""
    marker = f"LIVEBASE_STATE_DIR={state_dir}".encode()
    left = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                left.append(f"process {entry.name}: {command[:120]}")
        except OSError:
            continue
    return left
