"""How torch's OpenMP threads wait between parallel regions, chosen before torch loads.

libgomp's idle threads spin (up to ~300k iterations) before they sleep. On an idle CPU that
spinning is what makes small kernels fast; on a CPU shared with other work a spinning thread
burns the time slice of the thread it is waiting for. Measured on the 2-core host, one epoch of
MobileNetV2 (width 0.35, 96 px, 2030 images, 2 threads):

    host                     sleep at once (PASSIVE)   spin <= 20k iterations
    idle                     9.4 s                      6.5 s
    one other busy process   13.2 s                     19.7 s

So: spin briefly when the host has a free core for every thread we start, sleep at once
otherwise. A user's own OMP_WAIT_POLICY or GOMP_SPINCOUNT always wins.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

# Long enough to cover the gap between back-to-back kernels of a training step, short enough to
# yield soon on a busy host (docs/measurements.md has the measurement).
SPIN_COUNT = 20_000
USER_VARIABLES = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")


@dataclass(frozen=True)
class WaitPolicy:
    environment: dict[str, str]  # variables to set (empty: leave as is)
    reason: str  # one line for the log


def choose_wait_policy(environ: dict[str, str], busy: float, cores: int, threads: int | None) -> WaitPolicy:
    """Pure: the wait policy for a process about to run `threads` (None = one per core) OpenMP threads
    while other processes keep `busy` of the `cores` cores busy (see busy_cores)."""
    user = [name for name in USER_VARIABLES if name in environ]
    if user:
        return WaitPolicy({}, f"OpenMP waits as set by {', '.join(f'{n}={environ[n]}' for n in user)}")
    wanted = min(threads or cores, cores)
    free = cores - busy
    if free >= wanted - 0.5:
        return WaitPolicy({"GOMP_SPINCOUNT": str(SPIN_COUNT)},
                          f"OpenMP threads spin briefly between kernels (other processes busy on {busy:.1f} of {cores} cores: a core per thread is free)")
    return WaitPolicy({"OMP_WAIT_POLICY": "PASSIVE"},
                      f"OpenMP threads sleep between kernels (other processes busy on {busy:.1f} of {cores} cores: spinning would steal their time); "
                      "set OMP_WAIT_POLICY=ACTIVE to override")


def busy_cores(window_s: float = 0.3) -> float:
    """How many cores other processes keep busy right now, from /proc/stat over `window_s`.

    The load average lags by minutes (right after a data-rendering step it still reads ~1.5 on an
    idle 2-core host), so it is only the fallback where /proc/stat does not exist (macOS).
    """
    def sample() -> tuple[int, int]:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return sum(fields[:8]), idle

    try:
        total0, idle0 = sample()
        time.sleep(window_s)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return os.getloadavg()[0]
    cores = os.cpu_count() or 1
    return cores * (1.0 - (idle1 - idle0) / max(total1 - total0, 1))


def apply_wait_policy(threads: int | None) -> WaitPolicy:
    """Choose from how busy this host is now and set the variables; must run before torch is first imported."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    policy = choose_wait_policy(dict(os.environ), busy_cores(), cores, threads)
    os.environ.update(policy.environment)
    return policy
