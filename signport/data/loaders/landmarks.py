"""MediaPipe hand landmark sets (npz or CSV) -> LandmarkSet.

Accepted forms (coordinates are MediaPipe's normalized image coordinates):
  npz: `landmarks` (N, 21, 3) or (N, 63) float, `labels` (N,) strings; optional `is_left_hand`
       (N,) bool and `signers` (N,) strings. Never unpickled (allow_pickle=False).
  CSV with a header: columns x0,y0,z0,...,x20,y20,z20 and `label` in any order, optional
       `is_left_hand` (0/1/true/false) and `signer`.
  CSV without a header: 64 columns, the label first or last and the 63 coordinates in
       x0,y0,z0,...,z20 order.
Rows with a NaN or empty coordinate mean "no hand was found" and are dropped with a warning.
"""

from __future__ import annotations

import csv
import logging
import zipfile
from pathlib import Path

import numpy as np

from signport.core.errors import DataError
from signport.core.labels import NOTHING, canonical_label
from signport.core.preprocessing import LANDMARK_DIMS, NUM_LANDMARKS
from signport.data.loaders.folders import ordered_classes, visible_children
from signport.data.loaders.registry import register_loader
from signport.data.types import LandmarkSet

log = logging.getLogger(__name__)

LANDMARK_SUFFIXES = (".npz", ".csv")
COORDINATE_COLUMNS = tuple(f"{axis}{i}" for i in range(NUM_LANDMARKS) for axis in "xyz")
CSV_FORMS = "a header with x0,y0,z0..x20,y20,z20 and label, or 64 columns without header (label first or last)"


def read_npz(path: Path, required: tuple[str, ...]) -> dict[str, np.ndarray]:
    """All arrays of an .npz file, without unpickling; DataError naming the file when it is not usable."""
    if not zipfile.is_zipfile(path):
        raise DataError(f"{path} is not an .npz file (save it with numpy.savez)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except ValueError:
        raise DataError(f"{path} holds pickled objects, which signport never loads; save plain arrays "
                        "(strings as a fixed-width unicode array)") from None
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise DataError(f"cannot read {path} as .npz: {str(exc).splitlines()[0]}") from None
    missing = [name for name in required if name not in arrays]
    if missing:
        raise DataError(f"{path} lacks array(s) {', '.join(missing)} (it has: {', '.join(arrays) or 'none'})")
    return arrays


def _parse_float(cell: str) -> float:
    return float(cell) if cell.strip() else float("nan")  # an empty cell is "no hand", like NaN


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _parse_bool(cell: str, path: Path, line: int) -> bool:
    value = cell.strip().lower()
    if value in ("1", "true", "yes", "left"):
        return True
    if value in ("0", "false", "no", "right"):
        return False
    raise DataError(f"{path}:{line}: is_left_hand must be 0/1/true/false, got {cell!r}")


def _read_csv(path: Path) -> dict[str, np.ndarray]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = [row for row in csv.reader(f) if row]
    if not rows:
        raise DataError(f"{path} is empty; expected {CSV_FORMS}")
    header = [cell.strip().lower() for cell in rows[0]]
    if "label" in header:
        missing = [c for c in COORDINATE_COLUMNS if c not in header]
        if missing:
            raise DataError(f"{path} header lacks column(s) {', '.join(missing[:4])}...; expected {CSV_FORMS}")
        coordinate_at = [header.index(c) for c in COORDINATE_COLUMNS]
        label_at = header.index("label")
        left_at = header.index("is_left_hand") if "is_left_hand" in header else None
        signer_at = header.index("signer") if "signer" in header else None
        body, first_line = rows[1:], 2
    else:
        width = NUM_LANDMARKS * LANDMARK_DIMS + 1
        if len(rows[0]) != width:
            raise DataError(f"{path} has {len(rows[0])} columns and no 'label' header; expected {CSV_FORMS}")
        label_at = 0 if not _is_number(rows[0][0]) else width - 1
        coordinate_at = [i for i in range(width) if i != label_at]
        left_at = signer_at = None
        body, first_line = rows, 1
    landmarks = np.empty((len(body), len(COORDINATE_COLUMNS)), dtype=np.float32)
    labels, is_left, signers = [], [], []
    for offset, row in enumerate(body):
        line = first_line + offset
        try:
            landmarks[offset] = [_parse_float(row[i]) for i in coordinate_at]
        except (ValueError, IndexError):
            raise DataError(f"{path}:{line}: expected {len(coordinate_at)} numeric coordinates; {CSV_FORMS}") from None
        labels.append(row[label_at])
        if left_at is not None:
            is_left.append(_parse_bool(row[left_at], path, line))
        if signer_at is not None:
            signers.append(row[signer_at].strip())
    arrays = {"landmarks": landmarks, "labels": np.array(labels, dtype=str)}
    if left_at is not None:
        arrays["is_left_hand"] = np.array(is_left, dtype=bool)
    if signer_at is not None:
        arrays["signers"] = np.array(signers, dtype=str)
    return arrays


def _landmark_file(path: Path) -> Path | None:
    """The landmark file at `path`: the file itself, or the only .npz/.csv in a folder without sub-folders."""
    if path.is_file():
        return path if path.suffix.lower() in LANDMARK_SUFFIXES else None
    children = visible_children(path)
    if any(child.is_dir() for child in children):
        return None
    candidates = [child for child in children if child.suffix.lower() in LANDMARK_SUFFIXES]
    return candidates[0] if len(candidates) == 1 else None


def _detect(path: Path) -> bool:
    file = _landmark_file(path)
    if file is None:
        return False
    if file.suffix.lower() == ".npz":
        try:
            with np.load(file, allow_pickle=False) as archive:
                return "landmarks" in archive.files and "labels" in archive.files
        except (ValueError, OSError, zipfile.BadZipFile, EOFError):
            return False
    with open(file, newline="", encoding="utf-8-sig") as f:
        first = next(csv.reader(f), [])
    header = [cell.strip().lower() for cell in first]
    return ("label" in header and "x0" in header) or len(first) == NUM_LANDMARKS * LANDMARK_DIMS + 1


@register_loader("landmarks", detect=_detect, layout="a landmarks .npz or .csv file (or a folder holding just one)")
def load_landmarks(path: Path) -> LandmarkSet:
    """Read a landmark set; rows without a hand (NaN) are dropped and counted in a warning."""
    file = _landmark_file(Path(path))
    if file is None:
        raise DataError(f"{path}: expected one landmarks .npz or .csv file (or a folder holding exactly one)")
    arrays = _read_csv(file) if file.suffix.lower() == ".csv" else read_npz(file, required=("landmarks", "labels"))
    if arrays["landmarks"].dtype.kind not in "fiu":
        raise DataError(f"{file}: landmarks must be numbers (float32 coordinates), got {arrays['landmarks'].dtype}")
    landmarks = np.asarray(arrays["landmarks"], dtype=np.float32)
    if landmarks.ndim == 2 and landmarks.shape[1] == NUM_LANDMARKS * LANDMARK_DIMS:
        landmarks = landmarks.reshape(-1, NUM_LANDMARKS, LANDMARK_DIMS)
    if landmarks.ndim != 3 or landmarks.shape[1:] != (NUM_LANDMARKS, LANDMARK_DIMS):
        raise DataError(f"{file}: landmarks must be (N, 21, 3) or (N, 63), got {landmarks.shape}")
    raw_labels = arrays["labels"]
    if raw_labels.dtype.kind not in "US" or raw_labels.shape != (len(landmarks),):
        raise DataError(f"{file}: labels must be one string per row (N,) like 'A', got {raw_labels.dtype} {raw_labels.shape}")
    for optional in ("is_left_hand", "signers"):
        if optional in arrays and arrays[optional].shape != (len(landmarks),):
            raise DataError(f"{file}: {optional} must have one entry per row ({len(landmarks)}), got {arrays[optional].shape}")
    if len(landmarks) == 0:
        raise DataError(f"{file} holds no rows; expected one landmark set per sample")
    has_hand = ~np.isnan(landmarks).any(axis=(1, 2))
    infinite = np.flatnonzero(np.isinf(landmarks).any(axis=(1, 2)) & has_hand)
    if len(infinite):
        raise DataError(f"{file}: row {int(infinite[0])} (of {len(infinite)}) has an infinite coordinate; "
                        "landmarks are normalized image coordinates: fix or remove those rows")
    dropped = int((~has_hand).sum())
    if dropped:
        log.warning("%s: dropped %d of %d rows with no hand (NaN landmarks)", file, dropped, len(landmarks))
    if not has_hand.any():
        raise DataError(f"{file}: every row is NaN (no hand found in any sample)")
    labels = [canonical_label(str(label)) for label in raw_labels[has_hand]]
    # 'nothing' means no hand, so its rows have no landmarks: it is the one class that may vanish.
    lost = sorted({canonical_label(str(label)) for label in raw_labels} - set(labels) - {NOTHING})
    if lost:
        raise DataError(f"{file}: every row of class {', '.join(map(repr, lost))} is NaN (no hand found), so the class would "
                        "silently vanish; re-extract its landmarks or remove the class from the file")
    return LandmarkSet(
        landmarks=landmarks[has_hand],
        labels=labels,
        classes=ordered_classes(labels),
        is_left_hand=arrays["is_left_hand"][has_hand].astype(bool) if "is_left_hand" in arrays else None,
        signers=[str(s) for s in arrays["signers"][has_hand]] if "signers" in arrays else None,
    )
