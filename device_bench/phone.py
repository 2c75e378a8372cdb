"""Plumbing shared by the phone targets: an injectable command runner and the wait for a result.

Every adb / devicectl call goes through a CommandRunner, so command construction and output
parsing are tested without a phone by passing a function that answers like one.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from typing import Callable, Literal, Sequence

from signport.core.errors import ToolchainError


@dataclass(frozen=True)
class CommandResult:
    returncode: int
    stdout: str
    stderr: str = ""


CommandRunner = Callable[[Sequence[str]], CommandResult]
ResultState = Literal["ready", "error", "pending"]


def subprocess_runner(timeout_s: float = 300.0) -> CommandRunner:
    def run(command: Sequence[str]) -> CommandResult:
        try:
            completed = subprocess.run(list(command), capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return CommandResult(124, "", f"timed out after {timeout_s:.0f} s")
        return CommandResult(completed.returncode, completed.stdout, completed.stderr)

    return run


def checked(run: CommandRunner, command: Sequence[str], what: str) -> CommandResult:
    result = run(command)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()[-300:]
        raise ToolchainError(f"{what} failed: `{' '.join(command)}` exited {result.returncode}: {detail}")
    return result


def wait_for_result(
    state: Callable[[], ResultState], *, timeout_s: float, what: str,
    sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic, poll_s: float = 2.0,
) -> ResultState:
    """Poll `state` until the phone wrote its result or its error file; ToolchainError on timeout."""
    deadline = clock() + timeout_s
    while True:
        current = state()
        if current != "pending":
            return current
        if clock() > deadline:
            raise ToolchainError(f"no benchmark result after {timeout_s:.0f} s; {what}")
        sleep(poll_s)
