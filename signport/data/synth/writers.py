"""Files on disk: the letters, clips and user-recordings layouts (the loaders read exactly these).

    OUT/letters/<label>/<signer>_<n>.png, landmarks.npz, synth.json
    OUT/clips/videos/<video_id>.mp4, nslt_15.json, wlasl_class_list.txt, labels.json, landmarks.npz, synth.json
    OUT/user_recordings/<label>/<clip_n>.mp4, recordings.json, landmarks.npz, synth.json
    OUT/sequences/videos/<sequence_id>.mp4, sequences.json (glosses and sign frames per video), synth.json

Each output is built in a staging folder and swapped in whole; its synth.json records the
generator version and the settings it depends on, so an identical request is skipped as up to
date. Every item has its own seed (seed, kind, class, index), so the files are the same for
any number of worker processes.
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import cv2
import numpy as np
from tqdm import tqdm

from signport.core.atomic import staged_directory, write_json, write_text
from signport.core.errors import InputError, ToolchainError
from signport.core.fingerprint import directory_sha256
from signport.core.labels import ASL_LETTERS
from signport.data.loaders.wlasl import CLASS_LIST_FILE, split_file_name
from signport.data.synth import GENERATOR_VERSION
from signport.data.synth.clips import CLIP_GLOSSES, render_clip, render_sequence
from signport.data.synth.config import SynthConfig
from signport.data.synth.letters import render_letter
from signport.data.synth.recordings import iter_recording_frames, session_background
from signport.data.synth.signers import Signer, signer_for_index

# Seed streams: one per output kind so letters and clips never share random numbers.
_STREAMS = {"letters": 1, "clips": 2, "recordings": 3, "sequences": 4}
SEQUENCES_FILE = "sequences.json"
_POPULATION_IDS = {"default": 0, "new": 1}
INFO_FILE = "synth.json"
_VIDEO_CODEC = "mp4v"


@functools.lru_cache(maxsize=256)
def _signer(seed: int, population: str, index: int) -> Signer:
    return signer_for_index(seed, population, index)


def save_npz(path: Path, **arrays: np.ndarray) -> None:
    """np.savez without pickles and without zip timestamps, so equal arrays give equal bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.asanyarray(array), allow_pickle=False)


def _write_video(path: Path, frames: Iterable[np.ndarray], fps: int, size: int) -> int:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*_VIDEO_CODEC), float(fps), (size, size))
    if not writer.isOpened():
        raise ToolchainError(f"OpenCV cannot write {_VIDEO_CODEC} video to {path}; reinstall opencv-contrib-python")
    count = 0
    try:
        for frame in frames:
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
            count += 1
    finally:
        writer.release()
    return count


# --- per-item work (top-level functions so worker processes can run them) ---------------------

def _letter_item(task: tuple) -> tuple[str, np.ndarray]:
    root, seed, population, size, class_index, n, signer_index = task
    label = ASL_LETTERS[class_index]
    signer = _signer(seed, population, signer_index)
    rng = np.random.default_rng([seed, _STREAMS["letters"], _POPULATION_IDS[population], class_index, n])
    image, landmarks = render_letter(label, signer, rng, size)
    relative = f"{label}/{signer.signer_id}_{n:05d}.png"
    if not cv2.imwrite(str(Path(root) / relative), cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 3]):
        raise OSError(f"could not write {Path(root) / relative}")
    return relative, landmarks


def _clip_item(task: tuple) -> tuple[np.ndarray, int, int]:
    path, seed, population, frames, size, fps, class_index, n, signer_index = task
    signer = _signer(seed, population, signer_index)
    rng = np.random.default_rng([seed, _STREAMS["clips"], _POPULATION_IDS[population], class_index, n])
    video, landmarks, timing = render_clip(CLIP_GLOSSES[class_index], signer, rng, frames, size)
    _write_video(Path(path), video, fps, size)
    return landmarks, timing.start, timing.end


def _sequence_item(task: tuple) -> tuple[list[str], list[tuple[int, int]]]:
    path, seed, population, signer_index, n, fewest, most, sign_frames, pause_frames, size, fps = task
    signer = _signer(seed, population, signer_index)
    rng = np.random.default_rng([seed, _STREAMS["sequences"], _POPULATION_IDS[population], n])
    count = int(rng.integers(fewest, most + 1))
    glosses = []
    while len(glosses) < count:  # no sign twice in a row: a repeat would read as one long sign
        gloss = CLIP_GLOSSES[int(rng.integers(len(CLIP_GLOSSES)))]
        if not glosses or glosses[-1] != gloss:
            glosses.append(gloss)
    video, _, timing = render_sequence(glosses, signer, rng, sign_frames, pause_frames, size)
    _write_video(Path(path), video, fps, size)
    return timing.glosses, timing.segments


def _recording_item(task: tuple) -> tuple[np.ndarray, int]:
    path, seed, signer_index, seconds, fps, size, class_index = task
    signer = _signer(seed, "new", signer_index)
    room = session_background(signer, np.random.default_rng([seed, _STREAMS["recordings"], signer_index]), size)
    rng = np.random.default_rng([seed, _STREAMS["recordings"], signer_index, class_index])
    landmarks = []

    def frames():
        for frame, frame_landmarks in iter_recording_frames(ASL_LETTERS[class_index], signer, rng, seconds, fps, size, room):
            landmarks.append(frame_landmarks)
            yield frame

    count = _write_video(Path(path), frames(), fps, size)
    return np.stack(landmarks), count


def _init_worker() -> None:
    import signal

    cv2.setNumThreads(1)
    # Die on the pool's SIGTERM like any worker, whatever handler the forking process installed.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run(fn: Callable, tasks: list, config: SynthConfig, desc: str) -> list:
    """Map `fn` over `tasks` in order, in worker processes when that helps, with a progress bar."""
    workers = min(config.threads or os.cpu_count() or 1, len(tasks))
    bar = tqdm(total=len(tasks), desc=desc, unit="item", disable=not config.progress, leave=False)
    try:
        if workers <= 1:
            results = []
            for task in tasks:
                results.append(fn(task))
                bar.update()
            return results
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        with multiprocessing.get_context(method).Pool(workers, initializer=_init_worker) as pool:
            results = []
            for result in pool.imap(fn, tasks, chunksize=max(1, min(16, len(tasks) // (8 * workers)))):
                results.append(result)
                bar.update()
            return results
    finally:
        bar.close()


# --- the three outputs -------------------------------------------------------------------------

def build_letters(config: SynthConfig, root: Path) -> dict:
    for label in ASL_LETTERS:
        (root / label).mkdir()
    tasks = [(str(root), config.seed, config.population, config.size, c, n, n % config.signers)
             for c in range(len(ASL_LETTERS)) for n in range(config.per_class)]
    results = _run(_letter_item, tasks, config, "letters")
    paths = np.array([r[0] for r in results])
    labels = np.array([ASL_LETTERS[t[4]] for t in tasks])
    signers = np.array([_signer(config.seed, config.population, t[6]).signer_id for t in tasks])
    save_npz(root / "landmarks.npz", paths=paths, landmarks=np.stack([r[1] for r in results]).astype(np.float32),
             labels=labels, signers=signers, is_left_hand=np.zeros(len(tasks), dtype=bool))
    return {"total": len(tasks), "per_class": config.per_class, "classes": len(ASL_LETTERS),
            "signers": sorted(set(signers.tolist()))}


def clip_split(signer_index: int, signers: int) -> str:
    """Signer-disjoint splits: the last signer is test, the one before val (with 3+ signers)."""
    if signers >= 3 and signer_index == signers - 1:
        return "test"
    if signers >= 3 and signer_index == signers - 2:
        return "val"
    return "train"


def build_clips(config: SynthConfig, root: Path) -> dict:
    (root / "videos").mkdir()
    items = [(c, n, n % config.signers) for c in range(len(CLIP_GLOSSES)) for n in range(config.clips_per_class)]
    video_ids = [f"{i:05d}" for i in range(len(items))]
    tasks = [(str(root / "videos" / f"{vid}.mp4"), config.seed, config.population, config.clip_length, config.clip_size,
              config.clip_fps, c, n, s) for vid, (c, n, s) in zip(video_ids, items)]
    results = _run(_clip_item, tasks, config, "clips")
    splits = [clip_split(s, config.signers) for _, _, s in items]
    nslt = {vid: {"subset": split, "action": [c, start + 1, end + 1]}
            for vid, split, (c, _, _), (_, start, end) in zip(video_ids, splits, items, results)}
    # Named as WLASL names them (one naming, from the loader), so the signer-disjoint split is read back.
    write_json(root / split_file_name(len(CLIP_GLOSSES)), nslt)
    write_text(root / CLASS_LIST_FILE, "".join(f"{i}\t{g}\n" for i, g in enumerate(CLIP_GLOSSES)))
    write_json(root / "labels.json", {vid: CLIP_GLOSSES[c] for vid, (c, _, _) in zip(video_ids, items)})
    save_npz(root / "landmarks.npz", video_ids=np.array(video_ids), landmarks=np.stack([r[0] for r in results]))
    return {"total": len(items), "classes": len(CLIP_GLOSSES), "frames_per_clip": config.clip_length,
            "per_split": {s: splits.count(s) for s in ("train", "val", "test")}}


def build_sequences(config: SynthConfig, root: Path) -> dict:
    """Sequence videos by the clips' test signer (the last one), so a clip model never saw them sign."""
    (root / "videos").mkdir()
    signer_index = config.signers - 1
    ids = [f"seq{n:03d}" for n in range(config.sequences)]
    tasks = [(str(root / "videos" / f"{vid}.mp4"), config.seed, config.population, signer_index, n, *config.sequence_signs,
              config.clip_length, config.pause_frames, config.clip_size, config.clip_fps) for n, vid in enumerate(ids)]
    results = _run(_sequence_item, tasks, config, "sequences")
    signer = _signer(config.seed, config.population, signer_index)
    write_json(root / SEQUENCES_FILE, {
        "fps": config.clip_fps, "signer": signer.signer_id, "split": clip_split(signer_index, config.signers),
        "videos": {vid: {"glosses": glosses, "segments": [list(s) for s in segments]} for vid, (glosses, segments) in zip(ids, results)},
    })
    return {"total": len(ids), "signs": sum(len(g) for g, _ in results), "signer": signer.signer_id}


def build_recordings(config: SynthConfig, root: Path) -> dict:
    signer = _signer(config.seed, "new", config.recording_signer)
    relatives = [f"{label}/000.mp4" for label in ASL_LETTERS]
    for label in ASL_LETTERS:
        (root / label).mkdir()
    tasks = [(str(root / rel), config.seed, config.recording_signer, config.seconds_per_letter, config.recording_fps,
              config.size, c) for c, rel in enumerate(relatives)]
    results = _run(_recording_item, tasks, config, "recordings")
    frames = int(sum(r[1] for r in results))
    write_json(root / "recordings.json", {
        "seconds_per_letter": config.seconds_per_letter, "fps": config.recording_fps, "frame_size": config.size,
        "signer": {"id": signer.signer_id, "population": signer.population, **signer.description},
        "clips": {label: [rel] for label, rel in zip(ASL_LETTERS, relatives)},
    })
    save_npz(root / "landmarks.npz", paths=np.array(relatives), landmarks=np.stack([r[0] for r in results]))
    return {"clips": len(tasks), "frames": frames, "signer": signer.signer_id}


@dataclass(frozen=True)
class OutputKind:
    folder: str
    settings: tuple[str, ...]  # SynthConfig fields the output depends on
    build: Callable[[SynthConfig, Path], dict]  # fills a staging folder, returns counts


OUTPUT_KINDS: dict[str, OutputKind] = {
    "letters": OutputKind("letters", ("seed", "population", "signers", "per_class", "size"), build_letters),
    "clips": OutputKind("clips", ("seed", "population", "signers", "clips_per_class", "clip_length", "clip_size", "clip_fps"), build_clips),
    "sequences": OutputKind("sequences", ("seed", "population", "signers", "sequences", "sequence_signs", "clip_length", "pause_frames", "clip_size", "clip_fps"), build_sequences),
    "recordings": OutputKind("user_recordings", ("seed", "recording_signer", "seconds_per_letter", "recording_fps", "size"), build_recordings),
}


def _settings_json(config: SynthConfig, kind: OutputKind) -> dict:
    return json.loads(json.dumps(config.settings(kind.settings), default=str))


def is_up_to_date(folder: Path, config: SynthConfig, kind: OutputKind) -> bool:
    try:
        info = json.loads((folder / INFO_FILE).read_text())
    except (OSError, ValueError):
        return False
    return info.get("version") == GENERATOR_VERSION and info.get("settings") == _settings_json(config, kind)


def _ensure_writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".signport-write-test-")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise InputError(f"cannot write to --out {folder}: {e.strerror or e}; choose a writable folder") from e


def write_kind(name: str, config: SynthConfig) -> dict:
    """Generate one output kind under config.out (skipped when an identical one exists)."""
    kind = OUTPUT_KINDS[name]
    _ensure_writable(config.out)
    folder = config.out / kind.folder
    if not config.force and is_up_to_date(folder, config, kind):
        info = json.loads((folder / INFO_FILE).read_text())
        return {**info, "path": str(folder), "skipped": True}
    cv2.setNumThreads(1)
    with staged_directory(folder) as staging:
        counts = kind.build(config, staging)
        info = {
            "generator": "signport.data.synth", "version": GENERATOR_VERSION, "kind": name,
            "seed": config.seed, "settings": _settings_json(config, kind), "counts": counts,
            "fingerprint": "sha256:" + directory_sha256(staging),
        }
        write_json(staging / INFO_FILE, info)
    return {**info, "path": str(folder), "skipped": False}


def write_all(config: SynthConfig) -> list[dict]:
    return [write_kind(name, config) for name in config.kind_list]
