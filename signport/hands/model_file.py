"""The MediaPipe hand model file: build, fetch, verify and cache `hand_landmarker.task`.

mediapipe 1.2.2 ships no hand model. The Tasks HandLandmarker reads a `.task` zip holding
`hand_detector.tflite` and `hand_landmarks_detector.tflite`; Google's official mediapipe==0.10.21
wheel on PyPI carries exactly these two networks (palm_detection_full, hand_landmark_full), so we
build the file from that wheel, checksum-verified, wherever pip works. Google's published
`.task` download is the fallback. Nothing here is needed by the rest of signport at import time.
"""

from __future__ import annotations

import hashlib
import io
import logging
import struct
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from signport.core import atomic
from signport.core.errors import InputError, OfflineError

log = logging.getLogger(__name__)

HAND_MODEL_FILE = "hand_landmarker.task"
DEFAULT_MODEL_DIR = Path("~/.cache/signport/models")

# The official wheel the networks come from, and where they sit inside it.
WHEEL_REQUIREMENT = "mediapipe==0.10.21"
WHEEL_PLATFORM = "manylinux_2_28_x86_64"  # any platform's wheel holds the same .tflite files
WHEEL_PYTHON = "3.11"


@dataclass(frozen=True)
class TaskMember:
    name: str  # the name the Tasks API looks up inside the .task zip
    wheel_path: str  # where the network sits inside the mediapipe==0.10.21 wheel
    sha256: str  # of the .tflite bytes, recorded from the official wheel


PALM_FULL = TaskMember("hand_detector.tflite", "mediapipe/modules/palm_detection/palm_detection_full.tflite",
                       "1b14e9422c6ad006cde6581a46c8b90dd573c07ab7f3934b5589e7cea3f89a54")
LANDMARKS_FULL = TaskMember("hand_landmarks_detector.tflite", "mediapipe/modules/hand_landmark/hand_landmark_full.tflite",
                            "11c272b891e1a99ab034208e23937a8008388cf11ed2a9d776ed3d01d0ba00e3")
LANDMARKS_LITE = TaskMember("hand_landmarks_detector.tflite", "mediapipe/modules/hand_landmark/hand_landmark_lite.tflite",
                            "048edd3645c9bf7397d19a9f6e3a42957d6e414c9bea6598030a2e9b624156e6")

# Variants of the .task, each built from the same pinned wheel. "lite" swaps in the lite landmark
# network (the stage that runs on every frame in video mode). The wheel also ships
# palm_detection_lite.tflite (sha256 e9a4aadd...5c18), but without the TFLite metadata (input
# NormalizationOptions) that the Tasks API requires, so MediaPipe refuses it ("Input tensor has type
# float32: it requires specifying NormalizationOptions metadata"); both variants use the full palm
# detector, which video mode runs only when tracking is lost.
VARIANTS: dict[str, tuple[TaskMember, ...]] = {"full": (PALM_FULL, LANDMARKS_FULL), "lite": (PALM_FULL, LANDMARKS_LITE)}
TASK_MEMBERS = VARIANTS["full"]

# sha256 of the .task that task_from_wheel builds per variant: the build is byte-reproducible, so this pins it.
BUILT_TASK_SHA256_BY_VARIANT = {"full": "3d53882509afffb0be5409a8640b7c401546cd90f37f07e64da7d8dba10cd0af",
                                "lite": "a69eb9395bdbf733ec2b95cd318f99aed5175558cc86d052eab335f755f3114a"}
BUILT_TASK_SHA256 = BUILT_TASK_SHA256_BY_VARIANT["full"]


def task_file_name(variant: str = "full") -> str:
    """The cached file of a variant: hand_landmarker.task (full, the default) or hand_landmarker_lite.task."""
    if variant not in VARIANTS:
        raise InputError(f"unknown hand model variant {variant!r}; choose {' or '.join(VARIANTS)}")
    return HAND_MODEL_FILE if variant == "full" else HAND_MODEL_FILE.replace(".task", f"_{variant}.task")

GOOGLE_TASK_URL = "https://storage.googleapis.com/mediapipe-models/hand_landmarker/hand_landmarker/float16/1/hand_landmarker.task"

# Data offsets of stored members are padded to this boundary (as Android's zipalign does), so
# TFLite can map the networks in place instead of copying each one to an aligned buffer.
_ALIGNMENT = 64
_ZIPALIGN_EXTRA_ID = 0xD935
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # a fixed timestamp makes the built file byte-reproducible

OFFLINE_HELP = (
    f"on a machine with internet run `signport models fetch --out DIR` and copy DIR/{HAND_MODEL_FILE} here, "
    f"or download the {WHEEL_REQUIREMENT} wheel yourself and run `signport models fetch --wheel WHEEL`, "
    f"or pass --hand-model PATH to a {HAND_MODEL_FILE} you have"
)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def aligned_stored_zip(members: dict[str, bytes], alignment: int = _ALIGNMENT) -> bytes:
    """An uncompressed zip whose member data start at multiples of `alignment`, byte-reproducible."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            info.external_attr = 0o644 << 16
            header_end = buffer.tell() + 30 + len(name.encode()) + 6  # local header + name + our extra's fixed part
            padding = -header_end % alignment
            info.extra = struct.pack("<HHH", _ZIPALIGN_EXTRA_ID, 2 + padding, alignment) + b"\0" * padding
            archive.writestr(info, data)
    return buffer.getvalue()


def task_from_wheel(wheel: Path, variant: str = "full") -> bytes:
    """The `.task` bytes of `variant` built from an official mediapipe wheel, each network checksum-verified."""
    task_file_name(variant)
    try:
        with zipfile.ZipFile(wheel) as archive:
            members = {}
            for member in VARIANTS[variant]:
                try:
                    data = archive.read(member.wheel_path)
                except KeyError:
                    raise InputError(f"{wheel} has no {member.wheel_path}; pass the official {WHEEL_REQUIREMENT} wheel") from None
                if sha256_hex(data) != member.sha256:
                    raise InputError(
                        f"{wheel}: {member.wheel_path} has sha256 {sha256_hex(data)}, expected {member.sha256}; "
                        f"the wheel is not the official {WHEEL_REQUIREMENT} (re-download it from PyPI)"
                    )
                members[member.name] = data
    except zipfile.BadZipFile as e:
        raise InputError(f"{wheel} is not a wheel (zip) file ({e}); re-download {WHEEL_REQUIREMENT} from PyPI") from e
    return aligned_stored_zip(members)


def check_task_file(path: Path) -> None:
    """Raise InputError unless `path` is a readable .task zip holding both hand networks."""
    if not path.is_file():
        raise InputError(f"hand model {path} does not exist; run `signport models fetch` or pass --hand-model PATH")
    try:
        with zipfile.ZipFile(path) as archive:
            sizes = {info.filename: info.file_size for info in archive.infolist()}
    except (zipfile.BadZipFile, OSError) as e:
        raise InputError(f"hand model {path} is not a {HAND_MODEL_FILE} zip ({e}); delete it and run `signport models fetch`") from e
    missing = [m.name for m in TASK_MEMBERS if not sizes.get(m.name)]
    if missing:
        raise InputError(f"hand model {path} lacks {', '.join(missing)}; delete it and run `signport models fetch`")


def _download_wheel(into: Path) -> Path:
    command = [
        sys.executable, "-m", "pip", "download", WHEEL_REQUIREMENT, "--no-deps", "--only-binary=:all:",
        "--python-version", WHEEL_PYTHON, "--platform", WHEEL_PLATFORM, "--dest", str(into),
        "--quiet", "--disable-pip-version-check",
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    wheels = sorted(into.glob("mediapipe-*.whl"))
    if result.returncode != 0 or not wheels:
        last_line = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise OfflineError(f"`pip download {WHEEL_REQUIREMENT}` failed ({last_line})")
    return wheels[0]


def build_from_pypi(variant: str = "full") -> bytes:
    with tempfile.TemporaryDirectory(prefix="signport-mediapipe-wheel-") as tmp:
        return task_from_wheel(_download_wheel(Path(tmp)), variant)


def download_from_google(timeout_s: float = 30.0) -> bytes:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(GOOGLE_TASK_URL, timeout=timeout_s) as response:
            data = response.read()
    except (urllib.error.URLError, OSError) as e:
        raise OfflineError(f"download of {GOOGLE_TASK_URL} failed ({getattr(e, 'reason', e)})") from e
    # Google's file is not pinned by a checksum we could record here, so check its structure.
    with tempfile.NamedTemporaryFile(suffix=".task") as tmp:
        Path(tmp.name).write_bytes(data)
        try:
            check_task_file(Path(tmp.name))
        except InputError as e:
            raise OfflineError(f"{GOOGLE_TASK_URL} did not return a hand model ({e})") from e
    return data


# Where a hand model can come from, tried in this order by "auto". The PyPI wheel comes first:
# it is pinned and checksum-verified, and pip works behind the mirrors and proxies users already have.
MODEL_SOURCES: dict[str, Callable[[], bytes]] = {
    "pypi": build_from_pypi,
    "google": download_from_google,
}


def fetch_hand_model(out_dir: Path = DEFAULT_MODEL_DIR, source: str = "auto", wheel: Path | None = None,
                     force: bool = False, variant: str = "full") -> Path:
    """Make `out_dir/hand_landmarker.task` (or the lite variant's file) exist and return its path.

    A valid cached file is reused unless `force`. `wheel` builds from a local copy of the official
    wheel (no network); otherwise `source` picks "pypi", "google" or "auto" (both, in that order).
    """
    target = Path(out_dir).expanduser() / task_file_name(variant)
    if variant != "full" and wheel is None and source == "google":
        raise InputError(f"Google publishes only the full hand_landmarker.task; build the {variant} variant with --source pypi or --wheel")
    if target.is_file() and not force and wheel is None:
        try:
            check_task_file(target)
            return target
        except InputError:
            log.info("cached %s is unreadable; rebuilding it", target)
    if wheel is not None:
        data = task_from_wheel(Path(wheel), variant)
    else:
        names = (list(MODEL_SOURCES) if variant == "full" else ["pypi"]) if source == "auto" else [source]
        if any(n not in MODEL_SOURCES for n in names):
            raise InputError(f"unknown hand model source {source!r}; choose auto, {', '.join(MODEL_SOURCES)}")
        failures = []
        for name in names:
            try:
                log.info("building %s from %s ...", HAND_MODEL_FILE, name)
                data = MODEL_SOURCES[name](variant) if name == "pypi" else MODEL_SOURCES[name]()
                break
            except OfflineError as e:
                failures.append(str(e))
        else:
            raise OfflineError(f"could not get the hand model: {'; '.join(failures)}. To fix: {OFFLINE_HELP}")
    atomic.write_bytes(target, data)
    return target


def find_hand_model(hand_model: Path | None, model_dir: Path = DEFAULT_MODEL_DIR, variant: str = "full") -> tuple[Path | None, str]:
    """(hand_landmarker.task, where it came from) without ever downloading: the user's file when
    given (checked), else the cache `signport models fetch [--variant]` fills, else (None, how to get one)."""
    if hand_model is not None:
        check_task_file(Path(hand_model))
        return Path(hand_model), f"--hand-model {hand_model}"
    cached = Path(model_dir).expanduser() / task_file_name(variant)
    if cached.is_file():
        return cached, f"the cached {variant} model {cached}"
    return None, (f"no {variant} hand model: pass --hand-model hand_landmarker.task or run "
                  f"`signport models fetch --variant {variant}`")


def resolve_hand_model(hand_model: Path | None, model_dir: Path = DEFAULT_MODEL_DIR) -> Path:
    """The hand model to use: the user's file when given (checked), else the cached one, fetched
    on first use (find_hand_model is the lookup that never downloads)."""
    if hand_model is not None:
        path = Path(hand_model).expanduser()
        check_task_file(path)
        return path
    return fetch_hand_model(model_dir)
