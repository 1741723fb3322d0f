"""The Prefect UI of `./livebase up` in headless Chromium, driven as a person would (issue 30).

Debian's chromium (``./livebase``'s set-up installs it as root with apt-get) through playwright,
never a downloaded browser. The UI is Prefect's V1 UI at its own paths (``/deployments``, ``/runs``):
in headless Chromium here the V2 UI (``/v2``, the default of a browser with no saved preference) drew
its lists only after about 20 s, calling an analytics host it cannot reach meanwhile.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

VIEWPORT = {"width": 1600, "height": 1000}


def chromium_or_skip() -> str:
    """The browser's path; a visible skip only where none can be had (no root or no apt-get to install it)."""
    found = os.environ.get("LIVEBASE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        pytest.fail("no chromium, though ./livebase's set-up installs it here (root, apt-get): "
                    "see .livebase/logs/setup-chromium.log, or `apt-get install chromium`")  # fmt: skip
    pytest.skip("no Chromium here and no way to install it (./livebase's set-up installs Debian's chromium only "
                "as root with apt-get); LIVEBASE_CHROMIUM names another Chromium binary")  # fmt: skip


@dataclass
class UiRun:
    """What the person saw: the run's page URL, its final state, and the decisions artifact's text."""

    run_url: str
    state: str
    artifact_text: str
    seconds: float


def run_from_ui(ui_url: str, deployment: str, artifact: str, screenshot: Path, timeout: float = 600) -> UiRun:
    """Deployments -> ``deployment`` -> Run -> Quick run -> the run's page; wait for its end; Artifacts ->
    ``artifact``; the artifact's page saved to ``screenshot`` (a failure's page too, beside it)."""
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_or_skip())
        page = browser.new_page(viewport=VIEWPORT)  # type: ignore[arg-type]
        page.set_default_timeout(60_000)
        try:
            return _quick_run(page, ui_url, deployment, artifact, screenshot, timeout)
        except Exception:
            page.screenshot(path=str(screenshot.with_name(f"{screenshot.stem}-failed.png")), full_page=True)
            raise
        finally:
            browser.close()


def _quick_run(page: Page, ui_url: str, deployment: str, artifact: str, screenshot: Path, timeout: float) -> UiRun:
    started = time.monotonic()
    page.goto(f"{ui_url}/deployments")
    page.get_by_role("link", name=deployment, exact=True).first.click()
    # The toast's "View run" is gone within a second on a busy machine: the run the UI created is
    # opened at the address that button leads to.
    run_url = f"{ui_url}/runs/flow-run/{_quick_run_created(page)}"
    page.goto(run_url)
    state = _final_state(page, started + timeout)
    page.get_by_text("Artifacts", exact=True).click()
    page.get_by_text(artifact, exact=True).click()
    page.get_by_role("columnheader", name="order_qty").wait_for()
    page.screenshot(path=str(screenshot))
    return UiRun(run_url, state, page.inner_text("body"), time.monotonic() - started)


def _quick_run_created(page: Page, attempts: int = 3) -> str:
    """Run -> Quick run until the API answers it: the new run's id. The suite's full run once had it refused
    (no ``id`` in the answer) beside 16 flow runs on 2 cores; the UI shows an error and a person clicks again."""
    answers = []
    for _ in range(attempts):
        page.get_by_role("button", name="Run", exact=True).click()
        with page.expect_response(lambda r: r.url.endswith("/create_flow_run") and r.request.method == "POST") as made:
            page.get_by_text("Quick run", exact=True).click()
        if made.value.ok:
            return str(made.value.json()["id"])
        answers.append(f"{made.value.status}: {made.value.text()[:300]}")
        print(f"browser: Quick run refused ({answers[-1]}); clicking again")
        page.wait_for_timeout(2_000)
    raise AssertionError(f"Quick run refused {attempts} times: {answers}")


FINAL_STATES = ("Completed", "Failed", "Crashed", "Cancelled")


def _final_state(page: Page, deadline: float) -> str:
    """The state badge at the top of the run's page once it is final (the page is reloaded meanwhile)."""
    while time.monotonic() < deadline:
        for state in FINAL_STATES:
            if page.get_by_text(state, exact=True).first.is_visible():
                return state
        page.wait_for_timeout(5_000)
        page.reload()
    raise TimeoutError(f"the run at {page.url} was not over in time")
