"""The wall clock ``LIVEBASE_CLOCK_AHEAD_DAYS`` ahead in every Python process that has this folder on
``PYTHONPATH`` (``./livebase`` puts it there when the variable is set): the demo, the suite, moto,
the Prefect server, worker and flow runs, all on the same shifted day (issue 30).

Why not libfaketime: 0.9.10 fakes the monotonic clock too, and Python's timed lock waits
(``sem_clockwait``) then wait a year (moto and the runner hang); with the monotonic clock left
real, its ``clock_nanosleep`` refuses Python's ``time.sleep`` (EINVAL). ``time-machine`` moves the
wall clock inside Python (``time.time``, ``datetime.now``, ...) and leaves the monotonic one alone,
as a machine whose calendar is a year later would. Files keep the kernel's times.
"""

from __future__ import annotations

import os


def _travel() -> None:
    days = os.environ.get("LIVEBASE_CLOCK_AHEAD_DAYS", "").strip()
    if not days:
        return
    import time

    import time_machine  # a dev dependency (pyproject.toml)

    # time-machine ticks from the first clock read after ``start``, not from ``start``: read it at once
    # and add what the set-up took, so every process lands on the same shifted instant (a child's
    # clock had been 0.3 s off its parent's, enough to make a record "arrive" after it was read).
    set_up, machine = time.perf_counter(), time.time()
    traveller = time_machine.travel(machine + float(days) * 86400, tick=True).start()  # never stopped
    time.time()
    traveller.shift(time.perf_counter() - set_up)


_travel()
