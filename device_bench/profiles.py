"""Device profiles: desktop emulation of a phone's CPU budget.

An emulated profile pins the measuring subprocess to the phone's number of big cores (thread
count and, where the host allows, CPU affinity). Every figure measured under one is labelled
EMULATED_LABEL: it says how a phone-sized thread budget behaves on this host's cores, never
how fast the phone is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from signport.core.errors import InputError

HOST_LABEL = "host-measured"
EMULATED_LABEL = "host-measured, emulated"
DEVICE_LABEL = "device-measured"


@dataclass(frozen=True)
class DeviceProfile:
    name: str
    description: str
    threads: int | None  # None: the --threads flag (or every available core) decides
    pin_cores: bool = False  # restrict the measuring process to `threads` cores
    emulated: bool = False

    @property
    def label(self) -> str:
        return EMULATED_LABEL if self.emulated else HOST_LABEL


PROFILES: dict[str, DeviceProfile] = {}


def register_profile(profile: DeviceProfile) -> DeviceProfile:
    PROFILES[profile.name] = profile
    return profile


register_profile(DeviceProfile("local", "this host, as is", threads=None))
register_profile(DeviceProfile(
    "pixel-7-emulated", "mid-range Android (Pixel 7 class): 2 big cores", threads=2, pin_cores=True, emulated=True))
register_profile(DeviceProfile(
    "iphone-12-emulated", "older iPhone (A14 class): 2 performance cores", threads=2, pin_cores=True, emulated=True))
register_profile(DeviceProfile(
    "low-end-android-emulated", "low-end Android: 1 usable big core", threads=1, pin_cores=True, emulated=True))


def get_profile(name: str) -> DeviceProfile:
    if name not in PROFILES:
        raise InputError(f"unknown --profile {name!r}; choose one of: {', '.join(PROFILES)}")
    return PROFILES[name]


def available_cores() -> list[int]:
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else list(range(os.cpu_count() or 1))


def resolve_threads(profile: DeviceProfile, requested: int | None, cores: list[int]) -> tuple[int, list[int] | None]:
    """(thread count, CPU affinity or None) for one bench run.

    A profile's thread count is the point of the profile, so a conflicting --threads is an
    error rather than silently winning or losing.
    """
    if profile.threads is not None:
        if requested is not None and requested != profile.threads:
            raise InputError(
                f"--threads {requested} conflicts with --profile {profile.name} ({profile.threads} threads); drop one of them"
            )
        threads = profile.threads
    else:
        threads = requested if requested is not None else min(len(cores), 4)
    if threads < 1:
        raise InputError(f"--threads must be >= 1 (got {threads})")
    if not profile.pin_cores:
        return threads, None
    if threads > len(cores):
        raise InputError(
            f"--profile {profile.name} needs {threads} cores but this host offers {len(cores)}; pick a smaller profile"
        )
    return threads, cores[:threads]
