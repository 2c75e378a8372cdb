"""Hand landmarks of still images are cached by image content: edits invalidate, copies and moves do not."""

import json
import shutil

import cv2
import numpy as np
import pytest

from signport.hands.crop_cache import cache_file, crop_boxes, detector_key, find_hands


def _synthetic_photos(folder, count=3):
    from signport.data.synth.letters import render_letter
    from signport.data.synth.signers import signer_for_index

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, label in enumerate("ABL"[:count]):
        image, _ = render_letter(label, signer_for_index(0, "default", i), np.random.default_rng(i), size=192)
        paths.append(folder / f"{label}.png")
        cv2.imwrite(str(paths[-1]), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    return paths


@pytest.fixture
def photos(tmp_path, request):
    """Real webcam photos from the shared data when present, else synthetic letters."""
    import os
    from pathlib import Path

    root = os.environ.get("SIGNPORT_SHARED_DATA")
    if root and (Path(root) / "asl_signers" / "s01").is_dir():
        sources = sorted((Path(root) / "asl_signers" / "s01" / "B").iterdir())[:2] + sorted((Path(root) / "asl_signers" / "s02" / "L").iterdir())[:1]
        (tmp_path / "photos").mkdir()
        paths = [tmp_path / "photos" / f"{i}{p.suffix}" for i, p in enumerate(sources)]
        for source, path in zip(sources, paths):
            shutil.copyfile(source, path)
        return paths, True
    return _synthetic_photos(tmp_path / "photos"), False


def test_cached_landmarks_are_reused_and_an_edited_image_is_detected_again(tmp_path, photos, hand_model):
    paths, real = photos
    cache = tmp_path / "cache"
    first = find_hands(paths, hand_model, cache)
    assert first.computed == 3
    if real:
        assert first.found.all()  # MediaPipe finds these webcam hands at confidence 0.3
    again = find_hands(paths, hand_model, cache)
    assert again.computed == 0
    np.testing.assert_array_equal(again.landmarks, first.landmarks)

    # A copy elsewhere is the same content: no detection.
    moved = tmp_path / "elsewhere" / paths[1].name
    moved.parent.mkdir()
    shutil.copyfile(paths[1], moved)
    assert find_hands([moved], hand_model, cache).computed == 0

    # Editing an image (mirroring it) changes its hash: only it runs again, and its hand moves.
    image = cv2.imread(str(paths[0]))
    cv2.imwrite(str(paths[0]), image[:, ::-1])
    edited = find_hands(paths, hand_model, cache)
    assert edited.computed == 1
    np.testing.assert_array_equal(edited.landmarks[1:], first.landmarks[1:])
    if real and edited.found[0]:
        wrist_x = first.landmarks[0, 0, 0]
        assert abs(edited.landmarks[0, 0, 0] - (1.0 - wrist_x)) < 0.05


def test_another_detector_setting_has_its_own_cache_and_a_damaged_cache_is_recomputed(tmp_path, photos, hand_model):
    paths, _ = photos
    cache = tmp_path / "cache"
    find_hands(paths[:1], hand_model, cache, min_detection_confidence=0.3)
    assert detector_key(hand_model, 0.3) != detector_key(hand_model, 0.6)
    assert find_hands(paths[:1], hand_model, cache, min_detection_confidence=0.6).computed == 1
    cache_file(cache, detector_key(hand_model, 0.3)).write_text("{not json")
    assert find_hands(paths[:1], hand_model, cache, min_detection_confidence=0.3).computed == 1
    assert json.loads(cache_file(cache, detector_key(hand_model, 0.3)).read_text())  # rewritten whole


def test_crop_boxes_are_the_live_pipelines_square_box_in_image_fractions():
    from signport.hands.crop import hand_box

    points = np.full((2, 21, 3), np.nan, np.float32)
    points[0, :, 0] = np.linspace(0.4, 0.6, 21)
    points[0, :, 1] = np.linspace(0.3, 0.7, 21)
    points[0, :, 2] = 0.0
    sizes = np.array([[224, 187], [224, 187]])
    boxes = crop_boxes(points, sizes, margin=0.25)
    assert np.isnan(boxes[1]).all()
    box = hand_box(points[0, :, :2] * np.array([187, 224], np.float32), 0.25)
    np.testing.assert_allclose(boxes[0], [box.x0 / 187, box.y0 / 224, box.x1 / 187, box.y1 / 224], rtol=1e-6)
    # Square in pixels, not in fractions: the hand is not stretched when the crop is resized.
    assert abs((boxes[0, 2] - boxes[0, 0]) * 187 - (boxes[0, 3] - boxes[0, 1]) * 224) <= 1


def test_images_without_a_hand_are_reported_per_label_and_the_rest_decode_as_crops(tmp_path, photos, hand_model):
    from signport.data.types import ImageIndex
    from signport.train.datasets import decode_images
    from signport.train.sources import with_hand_crops

    paths, real = photos
    blank = tmp_path / "photos" / "blank.png"
    cv2.imwrite(str(blank), np.full((120, 100, 3), 128, np.uint8))
    index = ImageIndex(paths=[*paths, blank], labels=["B", "B", "L", "A"], classes=["A", "B", "L"])
    kept, report = with_hand_crops(index, tmp_path / "cache", hand_model, margin=0.25, data="my_photos")
    assert report["images"] == 4 and report["without_hand_by_source_and_label"]["my_photos"]["A"] == 1
    assert report["with_hand"] + report["without_hand"] == 4
    assert blank not in kept.paths and len(kept) == report["with_hand"] and kept.crop_boxes.shape == (len(kept), 4)
    if real:
        assert report["with_hand"] == 3
        crops = decode_images(kept, np.arange(len(kept)), 48)
        assert crops.shape == (3, 48, 48, 3) and crops.std() > 10  # real pixels, not an empty canvas
