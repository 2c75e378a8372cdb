"""QuickstartConfig: the few choices the main job exposes; everything else is each step's default."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from signport.core.config import field_
from signport.core.errors import InputError

MODELS = ("mobilenet_v2", "landmarks", "mobilenet_v2_3d")


@dataclass(frozen=True)
class QuickstartConfig:
    out: Path = field_(Path("signport_runs/quickstart"), help="folder for every output (data, runs, bundles, report)", path="out")
    fast: bool = field_(False, help="smoke run: tiny data and models, finishes in under 3 minutes on 2 cores")
    models: str = field_(",".join(MODELS), help="comma-separated model families to train, export and bench")
    profile: str = field_("pixel-7-emulated", help="device-emulation profile for the bench (host-measured, emulated)")
    threads: int = field_(2, help="CPU threads for training, export checks and the bench", ge=1)
    seed: int = field_(0, help="seed for data, training and sampling")
    hand_model: Path | None = field_(None, help="MediaPipe hand_landmarker.task to use instead of `signport models fetch`", path="in")
    force: bool = field_(False, help="re-run every step, even those already finished")

    def __post_init__(self):
        unknown = [m for m in self.model_list if m not in MODELS]
        if unknown or not self.model_list:
            raise InputError(f"--models {self.models!r}: choose from {', '.join(MODELS)} (comma-separated)")

    def command_line(self) -> str:
        """The `signport quickstart` command that reproduces (or resumes) this run: non-default flags only."""
        import dataclasses
        import shlex

        words = ["signport", "quickstart"]
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "force" or value == f.default:
                continue
            flag = "--" + f.name.replace("_", "-")
            words += [flag] if value is True else [f"--no-{f.name.replace('_', '-')}"] if value is False else [flag, str(value)]
        return " ".join(shlex.quote(w) for w in words)

    @property
    def model_list(self) -> tuple[str, ...]:
        return tuple(m.strip() for m in self.models.split(",") if m.strip())
