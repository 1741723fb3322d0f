"""The Prefect UI of `up` on a moved port tells the browser to call the API on that port (issue 30):
``/ui-settings`` named port 4200 whatever port the server was on, and the dashboard broke."""

from __future__ import annotations

from pathlib import Path

import pytest

from livebase_local.aws.moto_server import free_port
from livebase_local.commands.prefect_server import LocalPrefectServer

pytestmark = pytest.mark.slow


@pytest.mark.timeout(300)
def test_ui_settings_name_the_port_the_server_is_on(tmp_path: Path) -> None:
    port = free_port()
    with LocalPrefectServer(tmp_path / "prefect", port=port) as server:
        settings = server.ui_settings()
    assert settings["api_url"] == f"http://127.0.0.1:{port}/api"
