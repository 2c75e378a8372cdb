"""`signport data synth` configuration: one dataclass, built once from the CLI.

Kept free of numpy/OpenCV imports so building the CLI parser stays instant.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Literal

from signport.core.config import field_
from signport.core.errors import InputError

KIND_NAMES = ("letters", "clips", "recordings")


@dataclass
class SynthConfig:
    out: Path = field_(Path("signport_runs/synth"), help="output folder; letters/, clips/ and user_recordings/ are written inside", path="out")
    kinds: str = field_("letters,clips,recordings", help="comma-separated outputs: letters, clips, recordings")
    seed: int = field_(0, help="random seed; the same seed and flags give byte-identical files")
    population: Literal["default", "new"] = field_("default", help="signer population for letters and clips ('new' = the shifted new-signer domain)")
    signers: int = field_(8, help="distinct signers in letters and clips (clips: the last signer is the test split, the one before it val)", ge=1)
    per_class: int = field_(300, help="letter images per class (29 classes); 300 is what the synth-fast MobileNetV2 recipe needs for 90 %", ge=1)
    size: int = field_(128, help="letter and recording frame side in pixels (training resizes; 96-128 px models use it directly)", ge=32)
    clips_per_class: int = field_(20, help="clips per dynamic sign (15 signs: J, Z and 13 words)", ge=1)
    clip_length: int = field_(32, help="frames per clip", ge=1)
    clip_size: int = field_(112, help="clip frame side in pixels", ge=32)
    clip_fps: int = field_(25, help="frame rate written into the clip files", ge=1)
    seconds_per_letter: float = field_(10.0, help="user recording length per letter (29 letters, one new-population signer)", gt=0)
    recording_fps: int = field_(30, help="user recording frame rate", ge=1)
    recording_signer: int = field_(0, help="which new-population signer records (index, same person as in --population new)", ge=0)
    threads: int = field_(0, help="worker processes (0 = all cores); the output does not depend on it", ge=0)
    force: bool = field_(False, help="regenerate outputs even when an identical one is already there")
    progress: bool = field_(True, help="show progress bars")

    def __post_init__(self) -> None:
        self.out = Path(self.out)
        unknown = [k for k in self.kind_list if k not in KIND_NAMES]
        if unknown or not self.kind_list:
            raise InputError(f"--kinds {self.kinds!r}: choose from {', '.join(KIND_NAMES)} (comma-separated)")

    @property
    def kind_list(self) -> tuple[str, ...]:
        return tuple(k.strip() for k in self.kinds.split(",") if k.strip())

    def settings(self, names: tuple[str, ...]) -> dict:
        """The subset of settings an output depends on (what decides whether it is up to date)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: values[name] for name in names}
