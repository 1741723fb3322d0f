"""`./livebase run <flow> [name=value ...]`: a run of one of the catalogue's deployments on the running
`./livebase up`, followed until it ends, with the reason when it fails.

Parameters are checked before the run is created, against the flow's own signature (pydantic, as
the flow itself will check them): every bad field is named at once, unknown names too, and a date
must be a real one (``start=2026-13-40`` is refused here; Prefect's server checks only JSON types,
stops at the first fault, and a run created with a bad date fails later). A value is JSON when it
parses as JSON, else text; a list parameter also takes ``a,b``. A failed run prints its state
message (the exception), not only "Failed".
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Sequence
from typing import Any

from livebase_local.commands.prefect_server import DEFAULT_PORT, api_healthy

POLL_SECONDS = 2.0
FINAL = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")


class FlowRunError(ValueError):
    """The run cannot be started as asked; the message names every fault."""


def local_api_url() -> str:
    """The running `up`'s Prefect API (``LIVEBASE_PREFECT_PORT``, default 4200)."""
    url = f"http://127.0.0.1:{int(os.environ.get('LIVEBASE_PREFECT_PORT', DEFAULT_PORT))}/api"
    if not api_healthy(url):
        raise FlowRunError(f"no Prefect server at {url}: start `./livebase up` first")
    return url


def flow_named(name: str) -> Any:
    from flows.catalogue import FLOWS
    from flows.deployments import flow_of

    names = [spec.name for spec in FLOWS]
    if name not in names:
        raise FlowRunError(f"unknown flow {name!r}; choose from {', '.join(names)}")
    return flow_of(next(spec for spec in FLOWS if spec.name == name))


def _takes_a_list(schema: dict[str, Any]) -> bool:
    kinds = [schema.get("type"), *(option.get("type") for option in schema.get("anyOf", []))]
    return "array" in kinds


def parse_parameters(flow: Any, pairs: Sequence[str]) -> dict[str, Any]:
    """``name=value`` pairs -> parameters, checked as the flow will check them (all faults at once)."""
    from prefect.exceptions import ParameterTypeError
    from prefect.utilities.callables import parameter_schema

    properties = parameter_schema(flow.fn).model_dump()["properties"]
    faults, values = [], {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name:
            faults.append(f"{pair!r}: each parameter is name=value")
        elif name not in properties:
            faults.append(f"{name}: not a parameter of {flow.name} (it takes {', '.join(properties)})")
        else:
            values[name] = _value(text, properties[name])
    quiet = logging.getLogger("prefect.flows")  # it logs the faults too: here they are the message
    level, quiet.level = quiet.level, logging.CRITICAL
    try:
        flow.validate_parameters(values)
    except ParameterTypeError as error:
        faults += [line.removeprefix(" - ") for line in str(error).splitlines()[1:]]
    finally:
        quiet.setLevel(level)
    if faults:
        raise FlowRunError(f"{flow.name}: " + "; ".join(faults))
    return values


def _value(text: str, schema: dict[str, Any]) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return [item.strip() for item in text.split(",") if item.strip()] if _takes_a_list(schema) else text


def run_and_follow(flow_name: str, pairs: Sequence[str], timeout: float = 3600.0) -> int:
    """Start the run, print each state it passes with its seconds, and the reason if it fails."""
    api_url = local_api_url()
    os.environ["PREFECT_API_URL"] = api_url
    parameters = parse_parameters(flow_named(flow_name), pairs)
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name(f"{flow_name}/{flow_name}")
        run = client.create_flow_run_from_deployment(deployment.id, parameters=parameters)
        ui = api_url.removesuffix("/api")
        print(f"{flow_name}: run {run.name} created ({ui}/runs/flow-run/{run.id}); following it:", flush=True)
        started, seen = time.monotonic(), ""
        while time.monotonic() - started < timeout:
            state = client.read_flow_run(run.id).state
            if state is not None and state.name != seen:
                seen = state.name or state.type.value
                print(f"  [{time.monotonic() - started:5.0f}s] {state.name}", flush=True)
            if state is not None and state.type.value in FINAL:
                if state.type.value != "COMPLETED":
                    print(f"{flow_name}: run {run.name} {state.name}: {state.message or 'no message'}")
                    return 1
                return 0
            time.sleep(POLL_SECONDS)
    print(f"{flow_name}: run {run.name} still {seen} after {timeout:.0f} s (it goes on; see the UI)")
    return 1
