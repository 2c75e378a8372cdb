"""Where training data comes from: `--data PATH|synth` -> an index from signport.data.types.

Real datasets go through the loader registry (signport.data.loaders.load_dataset); 'synth'
renders the synthetic generator's output once into the cache folder (deterministic per seed)
and loads it the same way. Also: content fingerprints of a dataset, for checkpoints and caches.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from signport.core.errors import DataError
from signport.core.fingerprint import file_sha256
from signport.data.types import ArrayImageSet, ImageIndex, LandmarkSet, VideoIndex

DataIndex = ImageIndex | ArrayImageSet | LandmarkSet | VideoIndex

# The synthetic generator's layout: which output feeds which input kind.
SYNTH_OUTPUTS = {"image": "letters", "landmarks": "letters", "clip": "clips", "recordings": "user_recordings",
                 "landmark_recordings": "user_recordings"}
SYNTH_KINDS = {"letters": "letters", "clips": "clips", "user_recordings": "recordings"}
# Recordings long enough for the 20 s budget, a 1 s gap and 9 s of held-out frames per letter.
SYNTH_RECORDING_SECONDS = 30.0


def synth_root(cache_dir: Path, seed: int, output: str) -> Path:
    """CACHE/synth/seed-N/<output>, rendered on first use (the generator skips up-to-date outputs)."""
    try:
        from signport.data.synth import SynthConfig, write_kind
    except ImportError as e:
        raise DataError(f"--data synth needs the synthetic generator (signport.data.synth), which this install lacks ({e}); pass a dataset path") from e
    out = Path(cache_dir) / "synth" / f"seed-{seed}"
    write_kind(SYNTH_KINDS[output], SynthConfig(out=out, seed=seed, seconds_per_letter=SYNTH_RECORDING_SECONDS))
    return out / output


def open_dataset(data: str | Path, input_kind: str, cache_dir: Path, seed: int = 0, on_missing: str = "skip") -> DataIndex:
    """Resolve `--data` for a model that takes `input_kind` ('image', 'clip', 'landmarks', or 'recordings';
    'landmark_recordings' is a new user's recordings for the landmark model: their per-frame landmarks).
    `on_missing` goes to the WLASL loader (unlisted videos / ids without video: skip or error).

    A folder holding the synthetic generator's outputs (letters/, clips/, user_recordings/) is
    read by kind; for the landmark model, image folders with a landmarks.npz give their landmarks.
    """
    from signport.data.loaders import detect_dataset_kind, load_dataset

    if str(data) == "synth":
        path = synth_root(cache_dir, seed, SYNTH_OUTPUTS[input_kind])
    else:
        path = Path(data)
        if path.is_dir() and (path / SYNTH_OUTPUTS[input_kind]).is_dir():
            path = path / SYNTH_OUTPUTS[input_kind]
    if input_kind == "landmark_recordings":
        return recording_landmarks(Path(path))
    index = load_dataset(path, on_missing=on_missing) if detect_dataset_kind(path) == "wlasl" else load_dataset(path)
    if input_kind == "landmarks" and isinstance(index, ImageIndex):
        landmark_file = Path(path) / "landmarks.npz"
        if index.landmarks is None or not landmark_file.is_file():
            raise DataError(f"{path} holds images without a landmarks.npz; the landmark model needs landmarks (extract them or pass a landmark file)")
        # Through the landmark loader, so images without a hand ("nothing") are dropped the same way.
        return load_dataset(landmark_file, kind="landmarks")
    return index


def recording_landmarks(path: Path) -> DataIndex:
    """A recordings folder's per-frame landmarks (the synthetic generator writes them beside the
    videos: landmarks (clips, frames, 21, 3)) as one landmark set, frames in recording order;
    any other layout --data accepts for the landmark model is read as it is."""
    from signport.data.loaders import load_dataset

    landmark_file = path / "landmarks.npz" if path.is_dir() else path
    if path.is_dir() and landmark_file.is_file():
        with np.load(landmark_file, allow_pickle=False) as npz:
            if "paths" in npz.files and npz["landmarks"].ndim == 4:
                clips, landmarks = [str(p) for p in npz["paths"]], npz["landmarks"].astype(np.float32)
                labels = np.array([Path(clip).parts[0] for clip in clips for _ in range(landmarks.shape[1])])
                frames = landmarks.reshape(-1, *landmarks.shape[2:])
                # Frames without a hand give the landmark model nothing to see ('nothing' is all of them).
                has_hand = ~np.isnan(frames).any(axis=(1, 2))
                kept = [str(label) for label in labels[has_hand]]
                return LandmarkSet(frames[has_hand], kept, sorted(set(kept)))
    if path.is_dir() and not landmark_file.is_file():
        raise DataError(f"{path} holds recordings without a landmarks.npz; the landmark model needs landmarks "
                        "(pass a landmark .npz/.csv, or a folder with one)")
    return load_dataset(landmark_file if path.is_dir() else path, kind="landmarks")


def data_fingerprint(index: DataIndex) -> str:
    """sha256 over labels and content: the same data gives the same fingerprint wherever it lives."""
    digest = hashlib.sha256()
    digest.update(json.dumps({"type": type(index).__name__, "classes": list(index.classes), "labels": list(index.labels)}).encode())
    if isinstance(index, (ImageIndex, VideoIndex)):
        for path in index.paths:
            digest.update(file_sha256(path).encode())
    elif isinstance(index, LandmarkSet):
        digest.update(np.ascontiguousarray(index.landmarks, dtype=np.float32).tobytes())
    else:
        digest.update(np.ascontiguousarray(index.images).tobytes())
    return "sha256:" + digest.hexdigest()
