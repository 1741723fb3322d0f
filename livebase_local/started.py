"""What ``up`` and the tests start and must stop again: a local server or a child process as a context manager.

``with`` stops it however the block ends (an error, a Ctrl-C), so a failed start or test leaves no server
holding its port; one copy of that rule for the local AWS, the Prefect server and `up`'s children.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Started:
    """``start`` brings it up and returns it, ``stop`` brings it down; ``with`` does both."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
