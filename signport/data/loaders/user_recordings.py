"""A new user's personalisation recordings: ROOT/<letter>/*.mp4|mov|avi|..., a few seconds per letter.

`recording_frames` turns them into single frames, always taking the *first* N seconds of each
letter, so the 5, 10 and 20 s experiments are nested subsets of the same recordings and their
accuracies compare like for like.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from signport.core.errors import DataError
from signport.data.loaders.folders import class_folders, has_class_folder_with, ordered_classes
from signport.data.loaders.registry import register_loader
from signport.data.types import ArrayImageSet, VideoFrameIndex, VideoIndex
from signport.data.video import VIDEO_SUFFIXES, read_video_frames, video_info

# A "10 s" recording at 29.97 fps has 299 frames; that is still 10 s for the experiment.
SHORTFALL_TOLERANCE_S = 0.1


def _detect(path: Path) -> bool:
    return path.is_dir() and not (path / "videos").is_dir() and has_class_folder_with(path, VIDEO_SUFFIXES)


@register_loader("user_recordings", detect=_detect, layout="ROOT/<letter>/*.mp4|mov|avi|mkv|m4v|webm (one folder per letter)")
def load_user_recordings(path: Path) -> VideoIndex:
    """Index the clips in ROOT/<letter>/, letters ordered as ASL_LETTERS, clips by file name."""
    root = Path(path)
    files_by_label = class_folders(root, VIDEO_SUFFIXES, "videos")
    classes = ordered_classes(files_by_label)
    return VideoIndex(
        paths=[file for label in classes for file in files_by_label[label]],
        labels=[label for label in classes for _ in files_by_label[label]],
        classes=classes,
        root=root,
    )


def recording_frames(
    index: VideoIndex, seconds_per_letter: float | None = None, fps: float | None = None, every_nth: int = 1
) -> VideoFrameIndex:
    """The frames of the first `seconds_per_letter` seconds of each letter's clips (all when None), every
    `every_nth` one. `fps` overrides the frame rate the files declare. DataError when a letter has less
    video than asked for, since a shorter letter would silently change the experiment."""
    if every_nth < 1:
        raise ValueError(f"every_nth must be >= 1, got {every_nth}")
    budget_s = math.inf if seconds_per_letter is None else float(seconds_per_letter)
    paths: list[Path] = []
    frame_indices: list[int] = []
    labels: list[str] = []
    for label in index.classes:
        taken_s, counter = 0.0, 0
        clips = [p for p, lab in zip(index.paths, index.labels) if lab == label]
        for clip in clips:
            if taken_s >= budget_s:
                break
            info = video_info(clip)
            clip_fps = fps or info.fps
            if not clip_fps:
                raise DataError(f"{clip} declares no frame rate; pass fps= (e.g. 30)")
            take = info.num_frames if math.isinf(budget_s) else min(info.num_frames, round((budget_s - taken_s) * clip_fps))
            chosen = [f for f in range(take) if (counter + f) % every_nth == 0]
            paths += [clip] * len(chosen)
            frame_indices += chosen
            labels += [label] * len(chosen)
            counter += take
            taken_s += take / clip_fps
        if taken_s < budget_s - SHORTFALL_TOLERANCE_S and not math.isinf(budget_s):
            where = clips[0].parent if clips else index.root
            raise DataError(f"letter {label!r} has {taken_s:.1f} s of video in {where} but {budget_s:g} s per letter "
                            "was asked for; record more or lower seconds_per_letter")
    return VideoFrameIndex(paths=paths, frame_indices=np.array(frame_indices, dtype=np.int64), labels=labels,
                           classes=list(index.classes), root=index.root)


def decode_frames(frames: VideoFrameIndex, size: int | tuple[int, int] | None = None) -> ArrayImageSet:
    """Decode a VideoFrameIndex into uint8 RGB (N, H, W, 3), reading each video once."""
    rows_by_video: dict[Path, list[int]] = {}
    for row, path in enumerate(frames.paths):
        rows_by_video.setdefault(path, []).append(row)
    images: list[np.ndarray | None] = [None] * len(frames)
    for path, rows in rows_by_video.items():
        decoded = read_video_frames(path, frames.frame_indices[rows], size=size)
        for row, image in zip(rows, decoded):
            images[row] = image
    if not images:
        raise DataError(f"no frames to decode from {frames.root}")
    return ArrayImageSet(images=np.stack(images), labels=list(frames.labels), classes=list(frames.classes))
