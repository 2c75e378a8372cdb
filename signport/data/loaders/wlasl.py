"""WLASL word videos: ROOT/videos/<id>.mp4 labelled by a split file or a labels.json.

Split file (`nslt_100.json` style): {id: {"subset": "train"|"val"|"test", "action": [class, start, end]}}
with 1-based inclusive frames; class indices name lines of `wlasl_class_list.txt` ("idx<TAB>gloss").
labels.json: {id: gloss}, used alone (no splits) or as a cross-check of the split file.
The WLASL videos are scraped from the web and many are gone, while a folder may hold clips of a
larger subset than the split file covers; `on_missing` decides whether either case is skipped with
a warning or is an error.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Literal

from signport.core.errors import DataError
from signport.data.loaders.folders import files_with_suffix, has_class_folder_with
from signport.data.loaders.registry import register_loader
from signport.data.types import VideoIndex
from signport.data.video import VIDEO_SUFFIXES

log = logging.getLogger(__name__)

VIDEOS_FOLDER = "videos"
CLASS_LIST_FILE = "wlasl_class_list.txt"
LABELS_FILE = "labels.json"
SPLIT_FILE_PATTERN = "nslt_*.json"
# Files that look like a split file or class list but are not named as WLASL names them: refused,
# because silently ignoring them turns a signer-disjoint split into a random one.
LOOKALIKE_PATTERNS = ("nslt*.json", "*class_list*.txt")
SPLITS = ("train", "val", "test")
MAX_IDS_SHOWN = 8


def split_file_name(num_classes: int) -> str:
    """The WLASL name of a split file over the first `num_classes` classes (what the loader finds)."""
    return f"nslt_{num_classes}.json"


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"cannot read {path} as JSON: {exc}") from None


def _some(ids) -> str:
    ids = sorted(ids)
    more = f" and {len(ids) - MAX_IDS_SHOWN} more" if len(ids) > MAX_IDS_SHOWN else ""
    return ", ".join(ids[:MAX_IDS_SHOWN]) + more


def _detect(path: Path) -> bool:
    if not path.is_dir() or not (path / VIDEOS_FOLDER).is_dir():
        return False
    has_labels = (path / LABELS_FILE).is_file() or any(path.glob(SPLIT_FILE_PATTERN))
    return has_labels and bool(files_with_suffix(path / VIDEOS_FOLDER, VIDEO_SUFFIXES)) and not has_class_folder_with(
        path / VIDEOS_FOLDER, VIDEO_SUFFIXES
    )


def read_class_list(path: Path) -> list[str]:
    """Glosses in class-index order from lines "idx<TAB>gloss"."""
    if not path.is_file():
        raise DataError(f"class list not found: {path} (lines 'index<TAB>gloss', as WLASL ships it)")
    glosses = []
    for line_number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split(maxsplit=1)
        if len(parts) != 2 or not parts[0].isdigit() or int(parts[0]) != len(glosses):
            raise DataError(f"{path}:{line_number}: expected '{len(glosses)}<TAB>gloss', got {line.strip()!r}")
        glosses.append(parts[1].strip())
    if not glosses:
        raise DataError(f"class list {path} is empty")
    return glosses


def _refuse_lookalikes(root: Path) -> None:
    """A split file or class list under another name would be ignored and the split silently lost."""
    expected = {CLASS_LIST_FILE} | {f.name for f in root.glob(SPLIT_FILE_PATTERN) if re.fullmatch(r"nslt_\d+\.json", f.name)}
    odd = sorted({f.name for pattern in LOOKALIKE_PATTERNS for f in root.glob(pattern)} - expected)
    if odd:
        raise DataError(f"{root}: {', '.join(odd)} look like a WLASL split file or class list but are not named "
                        f"nslt_<classes>.json / {CLASS_LIST_FILE}, so their split would be ignored; rename them "
                        "(or regenerate with `signport data synth`)")


def _find_split_file(root: Path, split_file: str | Path | None) -> Path | None:
    if split_file is not None:
        file = Path(split_file) if Path(split_file).is_absolute() else root / split_file
        if not file.is_file():
            raise DataError(f"split file not found: {file}")
        return file
    found = sorted(root.glob(SPLIT_FILE_PATTERN))
    if len(found) > 1:
        names = ", ".join(f.name for f in found)
        raise DataError(f"{root} has several split files ({names}); choose one with split_file=")
    return found[0] if found else None


def _parse_split_file(file: Path) -> dict[str, tuple[str, int, int, int]]:
    """{id: (subset, class index, first frame, last frame)}, frames 0-based inclusive (-1: to the end)."""
    data = _read_json(file)
    if not isinstance(data, dict):
        raise DataError(f"{file}: expected {{id: {{'subset': ..., 'action': [class, start, end]}}}}")
    entries = {}
    for video_id, entry in data.items():
        try:
            subset = entry["subset"]
            class_index, start, end = (int(v) for v in entry["action"])
        except (TypeError, KeyError, ValueError):
            raise DataError(f"{file}: entry {video_id!r} needs 'subset' and 'action': [class, start, end]") from None
        if subset not in SPLITS:
            raise DataError(f"{file}: entry {video_id!r} has subset {subset!r}; expected one of {', '.join(SPLITS)}")
        entries[str(video_id)] = (subset, class_index, max(start - 1, 0), end - 1 if end > 0 else -1)
    return entries


def _read_labels_file(file: Path) -> dict[str, str]:
    data = _read_json(file)
    if not isinstance(data, dict) or not all(isinstance(g, str) for g in data.values()):
        raise DataError(f"{file}: expected {{video id: gloss}} with string glosses")
    return {str(video_id): gloss.strip() for video_id, gloss in data.items()}


def _reconcile(
    kind: str, without_video: set[str], unlisted: set[str], listing_file: Path, on_missing: str
) -> None:
    """Skip (warning with counts) or refuse ids that have no video and videos that are not listed."""
    problems = []
    if without_video:
        problems.append(f"{len(without_video)} id(s) in {listing_file.name} have no video ({_some(without_video)})")
    if unlisted:
        problems.append(f"{len(unlisted)} video(s) are not in {listing_file.name} ({_some(unlisted)})")
    if not problems:
        return
    if on_missing == "error":
        raise DataError(f"{kind} {listing_file.parent}: " + "; ".join(problems) + "; pass on_missing='skip' to skip them")
    log.warning("%s %s: skipping them: %s", kind, listing_file.parent, "; ".join(problems))


@register_loader(
    "wlasl", detect=_detect,
    layout="ROOT/videos/<id>.mp4 with nslt_<N>.json + wlasl_class_list.txt, or with labels.json {id: gloss}",
)
def load_wlasl(
    path: Path, split_file: str | Path | None = None, on_missing: Literal["skip", "error"] = "skip"
) -> VideoIndex:
    """Index WLASL videos with their gloss, split and sign frame range (from the split file when present)."""
    if on_missing not in ("skip", "error"):
        raise ValueError(f"on_missing must be 'skip' or 'error', got {on_missing!r}")
    root = Path(path)
    video_folder = root / VIDEOS_FOLDER
    videos = {p.stem: p for p in files_with_suffix(video_folder, VIDEO_SUFFIXES)} if video_folder.is_dir() else {}
    if not videos:
        raise DataError(f"{video_folder} holds no videos ({', '.join(VIDEO_SUFFIXES)})")
    if split_file is None:
        _refuse_lookalikes(root)
    split_path = _find_split_file(root, split_file)
    labels_path = root / LABELS_FILE if (root / LABELS_FILE).is_file() else None
    if split_path is None and labels_path is None:
        raise DataError(f"{root} has neither a split file ({SPLIT_FILE_PATTERN}) nor {LABELS_FILE} to label its videos")
    glosses_by_id = _read_labels_file(labels_path) if labels_path else None
    if glosses_by_id is not None and not set(glosses_by_id) & set(videos):
        raise DataError(f"{labels_path} does not match the videos: none of its {len(glosses_by_id)} ids has a file in "
                        f"{video_folder} (e.g. {_some(list(glosses_by_id)[:3])})")

    if split_path is None:
        log.warning("WLASL %s: no split file (%s), so the videos carry no train/val/test split; training splits them "
                    "at random per video, which puts the same signer on both sides", root, SPLIT_FILE_PATTERN)
        _reconcile("WLASL", set(glosses_by_id) - set(videos), set(videos) - set(glosses_by_id), labels_path, on_missing)
        ids = sorted(set(glosses_by_id) & set(videos))
        labels = [glosses_by_id[i] for i in ids]
        return VideoIndex(paths=[videos[i] for i in ids], labels=labels, classes=sorted(set(labels)), root=root,
                          extra={"labels_file": str(labels_path)})

    entries = _parse_split_file(split_path)
    class_list = read_class_list(root / CLASS_LIST_FILE)
    named = re.fullmatch(r"nslt_(\d+)\.json", split_path.name)
    num_classes = int(named.group(1)) if named else 1 + max(class_index for _, class_index, _, _ in entries.values())
    if num_classes > len(class_list):
        raise DataError(f"{split_path} uses {num_classes} classes but {root / CLASS_LIST_FILE} lists {len(class_list)}")
    classes = class_list[:num_classes]
    out_of_range = [i for i, (_, class_index, _, _) in entries.items() if not 0 <= class_index < num_classes]
    if out_of_range:
        raise DataError(f"{split_path}: class index outside 0..{num_classes - 1} for id(s) {_some(out_of_range)}")
    if glosses_by_id is not None:
        conflicts = [i for i in set(glosses_by_id) & set(entries) if glosses_by_id[i] != classes[entries[i][1]]]
        if conflicts:
            first = sorted(conflicts)[0]
            raise DataError(f"{labels_path} does not match {split_path.name}: id {first} is {glosses_by_id[first]!r} "
                            f"there but {classes[entries[first][1]]!r} in the split file ({len(conflicts)} conflict(s))")
    without_video, unlisted = set(entries) - set(videos), set(videos) - set(entries)
    _reconcile("WLASL", without_video, unlisted, split_path, on_missing)
    ids = sorted(set(entries) & set(videos))
    if not ids:
        raise DataError(f"none of the videos in {video_folder} is listed in {split_path}")
    return VideoIndex(
        paths=[videos[i] for i in ids],
        labels=[classes[entries[i][1]] for i in ids],
        classes=classes,
        splits=[entries[i][0] for i in ids],
        frame_ranges=[(entries[i][2], entries[i][3]) for i in ids],
        root=root,
        extra={"split_file": str(split_path), "skipped_without_video": sorted(without_video),
               "skipped_unlisted_videos": sorted(unlisted)},
    )
