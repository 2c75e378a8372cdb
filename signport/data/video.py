"""Video decoding through OpenCV, and the frame sampling the video models train with.

Frames come back as uint8 RGB (T, H, W, 3), the same layout as `read_image`, so clips and
stills share one preprocessing path (signport.core.preprocessing). Decoding is sequential:
OpenCV's frame seeking is only keyframe-accurate for some codecs, and sign clips are short.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Iterator, Literal, NamedTuple

import cv2
import numpy as np

from signport.core.atomic import staged_path
from signport.core.errors import DataError

VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".mkv", ".m4v", ".webm")
REENCODE_HINT = "re-encode it, e.g. `ffmpeg -i IN -c:v libx264 -pix_fmt yuv420p OUT.mp4`"


class VideoInfo(NamedTuple):
    num_frames: int  # frames that actually decode, not what the container header claims
    fps: float  # 0.0 when the container does not say
    width: int
    height: int


def _resize_to(size: int | tuple[int, int] | None) -> tuple[int, int] | None:
    """`size` as cv2's (width, height); an int means square, a tuple is (height, width) like Preprocessing."""
    if size is None:
        return None
    height, width = (size, size) if isinstance(size, int) else size
    return int(width), int(height)


def bgr_to_rgb(frame: np.ndarray, size: int | tuple[int, int] | None = None) -> np.ndarray:
    """OpenCV's BGR image as RGB, resized to `size` (int: square; tuple: (height, width)) when given."""
    return _bgr_to_rgb(frame, _resize_to(size))


def _bgr_to_rgb(frame: np.ndarray, dsize: tuple[int, int] | None) -> np.ndarray:
    if dsize is not None and (frame.shape[1], frame.shape[0]) != dsize:
        shrinking = dsize[0] * dsize[1] < frame.shape[0] * frame.shape[1]
        frame = cv2.resize(frame, dsize, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


# Leading bytes of still-image formats. OpenCV opens an image named .mp4 as a one-frame
# "video" (its image-sequence backend), so a video reader has to look at the bytes itself.
IMAGE_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG", b"GIF87a": "GIF", b"GIF89a": "GIF",
                    b"BM": "BMP", b"II*\x00": "TIFF", b"MM\x00*": "TIFF"}


def still_image_format(path: str | os.PathLike) -> str | None:
    """'PNG', 'JPEG', ... when the file is a still image whatever its name says; None otherwise."""
    with open(path, "rb") as f:
        head = f.read(12)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    return next((name for magic, name in IMAGE_SIGNATURES.items() if head.startswith(magic)), None)


def video_file_problem(path: Path) -> str | None:
    """Why `path` cannot be a video before any decoder opens it (missing, or a still image under a
    video's name), or None. Callers add the flag or file context to the message."""
    if not path.is_file():
        return "video does not exist"
    image = still_image_format(path)
    return f"is a {image} image, not a video" if image else None


def _open(path: str | os.PathLike) -> cv2.VideoCapture:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"video not found: {path}")
    problem = video_file_problem(path)
    if problem:
        raise DataError(f"{path}: {problem}; pass a video file")
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        capture.release()
        raise DataError(f"cannot open video {path}: corrupt or unsupported format; {REENCODE_HINT}")
    return capture


def _count_by_decoding(capture: cv2.VideoCapture) -> int:
    count = 0
    while capture.grab():
        count += 1
    return count


def video_info(path: str | os.PathLike) -> VideoInfo:
    """Frame count, fps and size of a video file; the count is verified, not taken on trust.

    Container headers lie (truncated uploads, variable frame rate phone recordings), so the
    header count is checked by seeking to its last frame and confirming nothing follows it;
    when that check fails every frame is counted by decoding.
    """
    capture = _open(path)
    try:
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        fps = fps if math.isfinite(fps) and fps > 0 else 0.0
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        claimed = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        header_ok = False
        if claimed > 0:
            capture.set(cv2.CAP_PROP_POS_FRAMES, claimed - 1)
            header_ok = (
                capture.grab()
                and int(capture.get(cv2.CAP_PROP_POS_FRAMES)) == claimed
                and not capture.grab()
            )
        if header_ok:
            num_frames = claimed
        else:
            capture.release()
            capture = _open(path)
            num_frames = _count_by_decoding(capture)
    finally:
        capture.release()
    if num_frames == 0:
        raise DataError(f"video {path} has no decodable frames; {REENCODE_HINT}")
    return VideoInfo(num_frames, fps, width, height)


def iter_frames(
    source: str | os.PathLike | int, size: int | tuple[int, int] | None = None
) -> Iterator[np.ndarray]:
    """Yield uint8 RGB (H, W, 3) frames one at a time: a file path, or a camera index for live use."""
    if isinstance(source, int):
        capture = cv2.VideoCapture(source)
        if not capture.isOpened():
            raise DataError(f"cannot open camera {source}: check that it is connected and not in use")
    else:
        capture = _open(source)
    dsize = _resize_to(size)
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                return
            yield _bgr_to_rgb(frame, dsize)
    finally:
        capture.release()


def read_video_frames(
    path: str | os.PathLike,
    indices: np.ndarray | list[int] | None = None,
    size: int | tuple[int, int] | None = None,
) -> np.ndarray:
    """Decode a video to uint8 RGB (T, H, W, 3): every frame, or the 0-based `indices` in the given order.

    Indices may repeat (padding from `sample_frame_indices`); each frame is decoded once.
    """
    dsize = _resize_to(size)
    capture = _open(path)
    try:
        if indices is None:
            frames = []
            while True:
                ok, frame = capture.read()
                if not ok:
                    break
                frames.append(_bgr_to_rgb(frame, dsize))
            if not frames:
                raise DataError(f"video {path} has no decodable frames; {REENCODE_HINT}")
            return np.stack(frames)
        wanted = np.asarray(indices, dtype=np.int64).reshape(-1)
        if wanted.size == 0:
            raise ValueError("read_video_frames: indices is empty")
        if wanted.min() < 0:
            raise ValueError(f"read_video_frames: negative frame index {int(wanted.min())}")
        needed = set(wanted.tolist())
        last = int(wanted.max())
        decoded: dict[int, np.ndarray] = {}
        for position in range(last + 1):
            if not capture.grab():
                if position == 0:
                    raise DataError(f"video {path} has no decodable frames; {REENCODE_HINT}")
                raise DataError(
                    f"video {path} has only {position} decodable frames but frame {last} was requested; "
                    "sample indices from video_info(path).num_frames"
                )
            if position in needed:
                ok, frame = capture.retrieve()
                if not ok:
                    raise DataError(f"video {path}: frame {position} does not decode; {REENCODE_HINT}")
                decoded[position] = _bgr_to_rgb(frame, dsize)
        return np.stack([decoded[i] for i in wanted.tolist()])
    finally:
        capture.release()


def write_video(path: str | os.PathLike, frames: np.ndarray, fps: float, fourcc: str = "mp4v") -> Path:
    """Write uint8 RGB (T, H, W, 3) frames as a video; the file appears complete or not at all."""
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8 or len(frames) == 0:
        raise ValueError(f"write_video needs uint8 RGB frames (T, H, W, 3) with T >= 1, got {frames.dtype} {frames.shape}")
    path = Path(path)
    height, width = frames.shape[1:3]
    with staged_path(path) as staging:
        writer = cv2.VideoWriter(str(staging), cv2.VideoWriter_fourcc(*fourcc), float(fps), (width, height))
        if not writer.isOpened():
            raise DataError(f"OpenCV cannot write {path} with codec {fourcc!r}; try fourcc='mp4v' and a .mp4 name")
        try:
            for frame in frames:
                writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        finally:
            writer.release()
    return path


def temporal_stride(video_fps: float, clip_fps: float | None) -> int:
    """Frames to step so a `video_fps` video is sampled at about `clip_fps` (e.g. 30 -> 15 fps: 2)."""
    if not clip_fps or not video_fps:
        return 1
    return max(1, round(video_fps / clip_fps))


def sample_frame_indices(
    num_frames: int,
    clip_length: int,
    mode: Literal["random", "center"] = "random",
    rng: np.random.Generator | None = None,
    start: int | None = None,
    end: int | None = None,
    stride: int = 1,
) -> np.ndarray:
    """0-based indices of a `clip_length` clip from a video of `num_frames`, as in WLASL / 3D-MobileNetV2.

    The clip is taken from the sign's frames `start..end` (inclusive, 0-based; default the whole
    video; `end` < 0 means the last frame) every `stride` frames: a random window in training
    ("random"), the centred window in evaluation ("center"). A sign shorter than the window is
    padded by repeating its first and last frames — split at random in training, evenly when
    centred. A range that starts past the video's end refers to the untrimmed source video;
    WLASL clips cut to the sign are then used whole, as WLASL's own loader does.
    """
    if num_frames < 1:
        raise ValueError(f"num_frames must be >= 1, got {num_frames}")
    if clip_length < 1 or stride < 1:
        raise ValueError(f"clip_length and stride must be >= 1, got {clip_length}, {stride}")
    if mode not in ("random", "center"):
        raise ValueError(f"mode must be 'random' or 'center', got {mode!r}")
    if mode == "random" and rng is None:
        raise ValueError("mode='random' needs rng (np.random.default_rng(seed)) so sampling is reproducible")
    first = 0 if start is None else max(0, int(start))
    last = num_frames - 1 if end is None or end < 0 else min(int(end), num_frames - 1)
    if first >= num_frames or last < first:
        first, last = 0, num_frames - 1
    span = last - first + 1
    window = (clip_length - 1) * stride + 1
    if span >= window:
        offset = int(rng.integers(0, span - window + 1)) if mode == "random" else (span - window) // 2
        return first + offset + np.arange(clip_length, dtype=np.int64) * stride
    frames = np.arange(first, last + 1, stride, dtype=np.int64)
    padding = clip_length - len(frames)
    before = int(rng.integers(0, padding + 1)) if mode == "random" else padding // 2
    return np.concatenate([
        np.full(before, frames[0], dtype=np.int64), frames, np.full(padding - before, frames[-1], dtype=np.int64)
    ])
