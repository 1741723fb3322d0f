"""A task retries AWS hiccups, not a failure that fails the same way again."""

from __future__ import annotations

from prefect.states import Completed, Failed

from flows.retries import retry_unless
from livebase.markets.residency import ResidencyViolation
from livebase.replenishment.catalogue import CatalogueError


def test_retry_unless_retries_all_but_the_permanent_kinds() -> None:
    worth_retrying = retry_unless(CatalogueError, ResidencyViolation)
    assert worth_retrying(None, None, Failed(data=ConnectionError("throttled")))
    assert not worth_retrying(None, None, Failed(data=CatalogueError("bad catalogue")))
    assert not worth_retrying(None, None, Failed(data=ResidencyViolation("personal data")))
    assert worth_retrying(None, None, Completed(data=1))
