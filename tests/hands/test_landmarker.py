import cv2
import numpy as np
import pytest

from signport.core.errors import InputError
from signport.hands.crop import hand_box
from signport.hands.landmarker import HandLandmarker

# x, y of the 21 landmarks that Google's own runtime (mediapipe 0.10.21 Tasks HandLandmarker with
# the same two networks) reports for this photo: our build and runtime must reproduce them.
ROCK_PHOTO = "rock/0cc7ad09-ae5f-45a8-b264-4216176369b6.jpg"
ROCK_REFERENCE_XY = np.array([
    [0.4521, 0.5995], [0.4762, 0.5926], [0.4928, 0.5776], [0.4892, 0.5614], [0.4819, 0.5473], [0.4974, 0.5386],
    [0.5121, 0.5118], [0.5238, 0.4932], [0.5311, 0.4777], [0.4719, 0.5376], [0.4693, 0.5282], [0.4671, 0.5513],
    [0.4667, 0.5663], [0.4488, 0.5411], [0.4424, 0.5356], [0.4479, 0.5558], [0.4520, 0.5688], [0.4267, 0.5467],
    [0.4124, 0.5246], [0.4028, 0.5127], [0.3953, 0.4982],
])


def _rgb(path):
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


@pytest.fixture(scope="module")
def photo_landmarker(hand_model):
    with HandLandmarker(hand_model, mode="image") as landmarker:
        yield landmarker


@pytest.mark.parametrize("gesture", ["call", "four", "rock"])
def test_finds_one_hand_inside_most_gesture_photos(shared_data, photo_landmarker, gesture):
    photos = sorted((shared_data / "hands" / gesture).glob("*.jpg"))
    assert len(photos) >= 8
    found = 0
    for photo in photos:
        rgb = _rgb(photo)
        hands = photo_landmarker.detect(rgb)
        if not hands:
            continue
        found += 1
        hand = hands[0]
        assert hand.landmarks.shape == (21, 3) and hand.landmarks.dtype == np.float32
        assert hand.handedness in ("Left", "Right") and 0.5 <= hand.score <= 1.0
        xy = hand.pixel_points(rgb.shape[:2])
        assert (xy >= 0).all() and (xy[:, 0] < rgb.shape[1]).all() and (xy[:, 1] < rgb.shape[0]).all()
        # A real hand spans some pixels: not 21 copies of one point.
        assert np.ptp(xy, axis=0).max() > 10
        assert hand_box(xy).contains(xy).all()
    assert found >= 0.7 * len(photos)


def test_landmarks_match_googles_reference_runtime(shared_data, photo_landmarker):
    hand = photo_landmarker.detect(_rgb(shared_data / "hands" / ROCK_PHOTO))[0]
    assert np.abs(hand.landmarks[:, :2] - ROCK_REFERENCE_XY).max() < 0.002


def test_video_mode_tracks_a_held_hand_with_non_increasing_timestamps(shared_data, hand_model):
    rgb = _rgb(shared_data / "hands" / ROCK_PHOTO)
    with HandLandmarker(hand_model, mode="video") as landmarker:
        # The same timestamp twice would make MediaPipe throw; the wrapper keeps them increasing.
        frames = [landmarker.detect(rgb, timestamp_ms=t) for t in (0, 0, 33)]
    assert all(len(hands) == 1 for hands in frames)
    for hands in frames:
        assert np.abs(hands[0].landmarks[:, :2] - ROCK_REFERENCE_XY).max() < 0.01


def test_mirrored_photo_gives_the_other_hand_and_the_same_model_input(shared_data, photo_landmarker):
    rgb = _rgb(shared_data / "hands" / ROCK_PHOTO)
    right = photo_landmarker.detect(rgb)[0]
    left = photo_landmarker.detect(np.ascontiguousarray(rgb[:, ::-1]))[0]
    assert (right.handedness, left.handedness) == ("Right", "Left")
    np.testing.assert_array_equal(right.model_landmarks(), right.landmarks)
    # Mirroring the left hand back undoes the flip, so the landmark model sees one hand shape.
    assert np.abs(left.model_landmarks()[:, :2] - right.landmarks[:, :2]).max() < 0.01


def test_blank_frame_has_no_hand(photo_landmarker):
    assert photo_landmarker.detect(np.zeros((240, 320, 3), np.uint8)) == []


def test_unloadable_model_is_an_input_error(tmp_path):
    bogus = tmp_path / "hand_landmarker.task"
    bogus.write_bytes(b"PK not really a zip")
    with pytest.raises(InputError, match="--hand-model"):
        HandLandmarker(bogus)
