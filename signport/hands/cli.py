"""`signport models fetch`: build and cache the MediaPipe hand model (`hand_landmarker.task`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from signport.core.config import add_dataclass_arguments, dataclass_from_args, field_
from signport.hands.model_file import DEFAULT_MODEL_DIR, HAND_MODEL_FILE


@dataclass(frozen=True)
class FetchConfig:
    out: Path = field_(DEFAULT_MODEL_DIR, help=f"folder to cache {HAND_MODEL_FILE} in", path="out")
    source: Literal["auto", "pypi", "google"] = field_(
        "auto", help="pypi: build from the official mediapipe==0.10.21 wheel (checksum-verified); "
                     "google: Google's published .task; auto: pypi, then google")
    wheel: Path | None = field_(None, help="build from this local mediapipe==0.10.21 wheel instead (no network)", path="in")
    force: bool = field_(False, help="rebuild even if a valid cached file exists")
    variant: Literal["full", "lite"] = field_(
        "full", help="full: MediaPipe's full landmark network; lite: the lite landmark network from the same pinned wheel "
                     "(faster per tracked frame, landmarks within ~2 %% of the hand's size of full: see docs/bench.md), cached as hand_landmarker_lite.task")


def register(subparsers) -> None:
    parser = subparsers.add_parser("models", help="fetch the third-party models signport uses (MediaPipe hands)")
    parser.set_defaults(handler=lambda args: parser.print_help() or 2)
    commands = parser.add_subparsers(dest="models_command", metavar="MODELS_COMMAND")
    fetch = commands.add_parser("fetch", help=f"build and cache MediaPipe's {HAND_MODEL_FILE} (offline after the first run)")
    add_dataclass_arguments(fetch, FetchConfig)
    fetch.set_defaults(handler=_fetch)


def _fetch(args) -> int:
    from signport.hands.model_file import fetch_hand_model, sha256_hex

    config = dataclass_from_args(FetchConfig, args)
    path = fetch_hand_model(config.out, source=config.source, wheel=config.wheel, force=config.force, variant=config.variant)
    print(f"{path}  sha256 {sha256_hex(path.read_bytes())}")
    return 0
