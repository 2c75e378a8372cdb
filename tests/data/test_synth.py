"""The synthetic generator: determinism, landmark ground truth, class separability, the
new-signer shift, the on-disk layouts the loaders read, and CLI errors."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from signport.cli import main
from signport.core.errors import InputError
from signport.core.labels import ASL_LETTERS, NOTHING
from signport.data.synth.clips import CLIP_GLOSSES, render_clip
from signport.data.synth.config import SynthConfig
from signport.data.synth.hand import FINGERTIPS, WRIST, normalized_landmarks
from signport.data.synth.letters import letter_landmarks, letter_template, render_letter, render_letter_with_mask
from signport.data.synth.recordings import render_recording
from signport.data.synth.signers import sample_signer, signer_for_index
from signport.data.synth.writers import write_kind

HAND_LABELS = [label for label in ASL_LETTERS if label != NOTHING]


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _decode(path: Path) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames


def _config(tmp_path: Path, **overrides) -> SynthConfig:
    defaults = dict(out=tmp_path, per_class=2, signers=2, size=48, clips_per_class=1, clip_length=8, clip_size=48,
                    seconds_per_letter=0.2, threads=1, progress=False)
    return SynthConfig(**{**defaults, **overrides})


# --- in-memory rendering ---

def test_render_letter_is_identical_for_a_seed_and_differs_for_another():
    signer = signer_for_index(0, "default", 0)
    a_image, a_landmarks = render_letter("B", signer, np.random.default_rng(5), 64)
    b_image, b_landmarks = render_letter("B", signer, np.random.default_rng(5), 64)
    c_image, _ = render_letter("B", signer, np.random.default_rng(6), 64)
    assert a_image.dtype == np.uint8 and a_image.shape == (64, 64, 3)
    assert np.array_equal(a_image, b_image) and np.array_equal(a_landmarks, b_landmarks)
    assert not np.array_equal(a_image, c_image)


def test_letter_landmarks_without_drawing_match_render_letter():
    signer = signer_for_index(3, "new", 1)
    for label in ("A", "G", "space"):
        _, rendered = render_letter(label, signer, np.random.default_rng(11), 96)
        assert np.array_equal(letter_landmarks(label, signer, np.random.default_rng(11), 96), rendered)


def test_wrist_and_fingertip_landmarks_land_on_hand_pixels():
    size = 96
    checked = 0
    for s in range(2):
        signer = signer_for_index(0, "default" if s == 0 else "new", s)
        for c, label in enumerate(HAND_LABELS):
            _, landmarks, mask = render_letter_with_mask(label, signer, np.random.default_rng([s, c]), size)
            assert landmarks.dtype == np.float32 and landmarks.shape == (21, 3)
            assert landmarks[WRIST, 2] == 0.0
            for joint in (WRIST, *FINGERTIPS):
                x, y = int(landmarks[joint, 0] * size), int(landmarks[joint, 1] * size)
                if 0 <= x < size and 0 <= y < size:
                    assert mask[y, x] > 0, f"{label} joint {joint} at ({x}, {y}) is not on the hand"
                    checked += 1
            hand_area = (mask > 0).mean()
            assert 0.01 < hand_area < 0.6, f"{label}: hand covers {hand_area:.1%} of the image"
    assert checked > 0.9 * 2 * len(HAND_LABELS) * 6  # nearly all joints were inside the frame


def test_nothing_has_no_hand_and_nan_landmarks():
    signer = signer_for_index(0, "default", 0)
    image, landmarks, mask = render_letter_with_mask(NOTHING, signer, np.random.default_rng(0), 64)
    assert np.isnan(landmarks).all() and landmarks.shape == (21, 3)
    assert not mask.any()
    assert image.std() > 1.0  # a real background, not a blank frame


def test_every_letter_shape_is_distinct_from_every_other():
    templates = np.stack([normalized_landmarks(letter_template(label)) for label in HAND_LABELS])
    mean_joint_distance = np.linalg.norm(templates[:, None] - templates[None], axis=-1).mean(-1)
    np.fill_diagonal(mean_joint_distance, np.inf)
    closest = np.unravel_index(mean_joint_distance.argmin(), mean_joint_distance.shape)
    assert mean_joint_distance.min() > 0.05, f"{HAND_LABELS[closest[0]]} and {HAND_LABELS[closest[1]]} are too alike"


def test_letters_told_apart_by_orientation_point_their_index_finger_the_right_way():
    def index_direction(label):
        joints = letter_template(label)
        return joints[8, :2] - joints[5, :2]  # index MCP -> tip, image axes (y down)

    for label in ("G", "H", "space"):
        dx, dy = index_direction(label)
        assert abs(dx) > abs(dy), f"{label} should point sideways"
    for label in ("B", "D", "L", "U", "V"):
        dx, dy = index_direction(label)
        assert dy < -2 * abs(dx), f"{label} should point up"
    for label in ("del", "Q"):
        assert index_direction(label)[1] > 0, f"{label} should point down"


def test_nearest_neighbour_on_normalized_landmarks_separates_letters_across_signers():
    def dataset(signers, per_class):
        features, targets = [], []
        for s in signers:
            signer = signer_for_index(0, "default", s)
            for c, label in enumerate(HAND_LABELS):
                for n in range(per_class):
                    landmarks = letter_landmarks(label, signer, np.random.default_rng([s, c, n]), 96)
                    features.append(normalized_landmarks(landmarks).ravel())
                    targets.append(c)
        return np.array(features), np.array(targets)

    train_x, train_y = dataset(range(6), 6)
    test_x, test_y = dataset(range(6, 8), 5)  # signers never seen in training
    nearest = np.linalg.norm(test_x[:, None] - train_x[None], axis=-1).argmin(axis=1)
    accuracy = (train_y[nearest] == test_y).mean()
    assert accuracy > 0.9, f"1-NN accuracy on held-out default signers: {accuracy:.3f}"


def test_new_signers_look_different_from_default_signers():
    def appearance(population):
        skin, background_saturation, hand_area = [], [], []
        for s in range(4):
            signer = signer_for_index(0, population, s)
            for c, label in enumerate(("A", "B", "L", "Y")):
                image, _, mask = render_letter_with_mask(label, signer, np.random.default_rng([s, c]), 64)
                hand = mask > 0
                skin.append(image[hand].mean())
                hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV)
                background_saturation.append(hsv[..., 1][~hand].mean())
                hand_area.append(hand.mean())
        return np.mean(skin), np.mean(background_saturation), np.mean(hand_area)

    default_skin, default_saturation, default_area = appearance("default")
    new_skin, new_saturation, new_area = appearance("new")
    assert new_skin < 0.7 * default_skin
    assert new_saturation > 1.5 * default_saturation
    assert new_area < 0.85 * default_area


def test_sample_signer_rejects_unknown_population():
    with pytest.raises(InputError, match="population"):
        sample_signer(np.random.default_rng(0), "martian")


def test_render_clip_holds_still_outside_the_sign_and_moves_during_it():
    signer = signer_for_index(0, "default", 0)
    for gloss in ("J", "Z", "hello"):
        video, landmarks, timing = render_clip(gloss, signer, np.random.default_rng(3), frames=24, size=64)
        assert video.shape == (24, 64, 64, 3) and landmarks.shape == (24, 21, 3)
        assert 0 <= timing.start < timing.end <= 23
        wrist = landmarks[:, WRIST, :2]
        assert np.allclose(wrist[: timing.start + 1], wrist[timing.start], atol=0.02)  # only tremor before the sign
        travel = np.linalg.norm(wrist[timing.start : timing.end + 1] - wrist[timing.start], axis=1).max()
        assert travel > 0.05, f"{gloss}: the hand moved only {travel:.3f} of the frame"


def test_render_recording_moves_smoothly():
    signer = signer_for_index(0, "new", 0)
    frames, landmarks = render_recording("L", signer, np.random.default_rng(0), seconds=1.0, fps=30, size=64)
    assert frames.shape == (30, 64, 64, 3) and landmarks.shape == (30, 21, 3)
    steps = np.linalg.norm(np.diff(landmarks[:, WRIST, :2], axis=0), axis=1)
    assert steps.max() < 0.02  # continuous motion: no jumps between frames
    assert steps.sum() > 0.005  # but it does move (a held sign is never frozen)


# --- files on disk ---

def test_letters_layout_is_written_as_specified(tmp_path):
    summary = write_kind("letters", _config(tmp_path))
    root = tmp_path / "letters"
    assert not summary["skipped"]
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == sorted(ASL_LETTERS)
    with np.load(root / "landmarks.npz", allow_pickle=False) as data:
        assert set(data.files) == {"paths", "landmarks", "labels", "signers", "is_left_hand"}
        paths, landmarks, labels, signers = data["paths"], data["landmarks"], data["labels"], data["signers"]
        assert landmarks.dtype == np.float32 and landmarks.shape == (2 * 29, 21, 3)
        assert data["is_left_hand"].dtype == bool and paths.dtype.kind == "U"
    for path, label, signer, points in zip(paths, labels, signers, landmarks):
        assert path.startswith(f"{label}/{signer}_") and path.endswith(".png")
        image = cv2.imread(str(root / path))
        assert image.shape == (48, 48, 3)
        assert np.isnan(points).all() == (label == NOTHING)
    assert set(signers) == {"d00", "d01"}
    info = json.loads((root / "synth.json").read_text())
    assert info["counts"]["total"] == 58 and info["seed"] == 0 and info["fingerprint"].startswith("sha256:")
    assert info["settings"] == {"seed": 0, "population": "default", "signers": 2, "per_class": 2, "size": 48}


def test_same_config_is_skipped_and_force_or_new_settings_regenerate(tmp_path):
    write_kind("letters", _config(tmp_path))
    marker = tmp_path / "letters" / "A" / "d00_00000.png"
    stamp = marker.stat().st_mtime_ns
    assert write_kind("letters", _config(tmp_path))["skipped"]
    assert marker.stat().st_mtime_ns == stamp
    assert not write_kind("letters", _config(tmp_path, force=True))["skipped"]
    assert not write_kind("letters", _config(tmp_path, seed=1))["skipped"]
    assert json.loads((tmp_path / "letters" / "synth.json").read_text())["seed"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["letters"]  # no staging leftovers


def test_outputs_are_byte_identical_for_a_seed_with_any_worker_count(tmp_path):
    write_kind("letters", _config(tmp_path / "one", threads=1))
    write_kind("letters", _config(tmp_path / "two", threads=2))
    write_kind("clips", _config(tmp_path / "one", threads=1, clip_length=4))
    write_kind("clips", _config(tmp_path / "two", threads=2, clip_length=4))
    one, two = _files(tmp_path / "one"), _files(tmp_path / "two")
    assert len(one) > 58 and one == two


def test_clips_layout_matches_wlasl_and_videos_decode(tmp_path):
    write_kind("clips", _config(tmp_path, signers=3, clips_per_class=3))
    root = tmp_path / "clips"
    classes = [line.split("\t") for line in (root / "class_list.txt").read_text().splitlines()]
    assert [(int(i), g) for i, g in classes] == list(enumerate(CLIP_GLOSSES))
    nslt = json.loads((root / "nslt.json").read_text())
    labels = json.loads((root / "labels.json").read_text())
    assert len(nslt) == len(labels) == 3 * len(CLIP_GLOSSES)
    assert {entry["subset"] for entry in nslt.values()} == {"train", "val", "test"}
    for video_id, entry in nslt.items():
        class_index, first, last = entry["action"]
        assert CLIP_GLOSSES[class_index] == labels[video_id]
        assert 1 <= first < last <= 8
    for video_id in list(nslt)[:: len(CLIP_GLOSSES)]:
        frames = _decode(root / "videos" / f"{video_id}.mp4")
        assert len(frames) == 8 and frames[0].shape == (48, 48, 3)
    assert sorted(p.stem for p in (root / "videos").iterdir()) == sorted(nslt)
    with np.load(root / "landmarks.npz", allow_pickle=False) as data:
        assert data["landmarks"].shape == (len(nslt), 8, 21, 3)


def test_decoded_clip_matches_rendered_frames(tmp_path):
    write_kind("clips", _config(tmp_path, clip_size=64))
    frames = _decode(tmp_path / "clips" / "videos" / "00000.mp4")
    config = _config(tmp_path)
    rendered, _, _ = render_clip(CLIP_GLOSSES[0], signer_for_index(0, "default", 0),
                                 np.random.default_rng([config.seed, 2, 0, 0, 0]), 8, 64)
    decoded = cv2.cvtColor(frames[3], cv2.COLOR_BGR2RGB).astype(np.float32)
    assert np.abs(decoded - rendered[3]).mean() < 12  # lossy mp4v, but the same picture


def test_user_recordings_layout_and_frame_count(tmp_path):
    summary = write_kind("recordings", _config(tmp_path, seconds_per_letter=0.2, recording_fps=30))
    root = tmp_path / "user_recordings"
    info = json.loads((root / "recordings.json").read_text())
    assert info["fps"] == 30 and info["seconds_per_letter"] == 0.2 and info["signer"]["population"] == "new"
    assert sorted(info["clips"]) == sorted(ASL_LETTERS)
    for label in ("A", NOTHING):
        (relative,) = info["clips"][label]
        assert relative == f"{label}/000.mp4"
        frames = _decode(root / relative)
        assert len(frames) == 6 and frames[0].shape == (48, 48, 3)
    assert summary["counts"]["frames"] == 29 * 6
    # One room for the whole session: letters are not separable by their background (the open B hand
    # and its forearm cover up to ~40 % of the frame, the rest is the same room).
    room = cv2.cvtColor(_decode(root / "nothing" / "000.mp4")[0], cv2.COLOR_BGR2GRAY).astype(int)
    letter_b = cv2.cvtColor(_decode(root / "B" / "000.mp4")[0], cv2.COLOR_BGR2GRAY).astype(int)
    assert (np.abs(room - letter_b) < 25).mean() > 0.5


# --- CLI ---

def test_cli_writes_requested_kinds_and_reports_skips(tmp_path, capsys):
    args = ["data", "synth", "--out", str(tmp_path), "--kinds", "letters", "--per-class", "1", "--size", "32",
            "--threads", "1", "--no-progress"]
    assert main(args) == 0
    assert main(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert "written" in out[0] and "up to date" in out[1]
    assert [p.name for p in tmp_path.iterdir()] == ["letters"]


@pytest.mark.parametrize("flags, mentions", [
    (["--per-class", "0"], "--per-class"),
    (["--kinds", "letters,faces"], "--kinds"),
    (["--size", "8"], "--size"),
    (["--seconds-per-letter", "0"], "--seconds-per-letter"),
])
def test_cli_rejects_bad_flags_with_one_line(tmp_path, capsys, flags, mentions):
    assert main(["data", "synth", "--out", str(tmp_path / "out"), *flags]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and mentions in err[0]
    assert not (tmp_path / "out").exists()


def test_cli_rejects_unwritable_out_with_one_line(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    assert main(["data", "synth", "--out", str(blocker / "synth"), "--kinds", "letters", "--per-class", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--out" in err[0] and "cannot write" in err[0] and str(blocker) in err[0]
