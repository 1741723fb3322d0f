"""When a task's retries are worth it: a failure that fails the same way again is not retried."""

from __future__ import annotations

from collections.abc import Callable

from prefect import State

RetryCondition = Callable[[object, object, State], bool]


def retry_unless(*permanent: type[Exception]) -> RetryCondition:
    """A ``retry_condition_fn`` that retries any failure (AWS hiccups) except the ``permanent`` kinds."""

    def worth_retrying(task: object, task_run: object, state: State) -> bool:
        try:
            state.result()
        except permanent:
            return False
        except Exception:
            return True
        return True

    return worth_retrying
