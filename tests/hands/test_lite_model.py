"""The lite hand model against the full one on the shared real hand photos."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from signport.hands.compare import compare_models, landmark_error


def test_landmark_error_is_relative_to_hand_size():
    hand = np.random.default_rng(0).uniform(0.2, 0.6, (21, 3)).astype(np.float32)
    moved = hand.copy()
    moved[:, 0] += 0.01
    small = compare_models([hand], [moved], [(100, 100)])
    assert small["mean_error"] == pytest.approx(landmark_error(hand, moved, (100, 100)))
    assert landmark_error(hand, hand, (480, 640)) == 0.0
    assert compare_models([hand, None], [None, hand], [(10, 10)] * 2)["recall_vs_reference"] == 0.0


@pytest.fixture(scope="session")
def lite_hand_model(request, tmp_path_factory):
    from signport.core.errors import OfflineError
    from signport.hands.model_file import fetch_hand_model

    cache = getattr(request.config, "cache", None)
    folder = cache.mkdir("signport-hand-model") if cache else tmp_path_factory.mktemp("signport-hand-model")
    try:
        return fetch_hand_model(folder, source="pypi", variant="lite")
    except OfflineError as e:
        pytest.skip(f"hand model unavailable: {e}")


@pytest.mark.shared_data
def test_lite_model_is_pinned_and_close_to_full_on_real_photos(shared_data, hand_model, lite_hand_model):
    import cv2

    from signport.hands.landmarker import HandLandmarker
    from signport.hands.model_file import BUILT_TASK_SHA256_BY_VARIANT

    assert hashlib.sha256(lite_hand_model.read_bytes()).hexdigest() == BUILT_TASK_SHA256_BY_VARIANT["lite"]
    photos = sorted((shared_data / "hands").rglob("*.jpg"))[::2]
    frames = [cv2.cvtColor(cv2.imread(str(p)), cv2.COLOR_BGR2RGB) for p in photos]
    found = {}
    for variant, path in (("full", hand_model), ("lite", lite_hand_model)):
        with HandLandmarker(path, mode="image") as landmarker:
            found[variant] = [(hands[0].landmarks if hands else None) for hands in map(landmarker.detect, frames)]
    result = compare_models(found["full"], found["lite"], [f.shape[:2] for f in frames])
    assert result["reference_found"] >= 0.7 * len(photos)
    assert result["recall_vs_reference"] >= 0.8
    assert result["mean_error"] < 0.05  # measured 0.020 of the hand's diagonal (docs/bench.md)
