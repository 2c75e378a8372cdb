import numpy as np
import pytest

from signport.core.errors import InputError
from signport.core.preprocessing import clip_preprocessing, image_preprocessing, landmark_preprocessing
from signport.hands.crop import hand_box
from signport.hands.landmarker import HandDetection
from signport.live.inputs import INPUT_STYLES, HandView, resolve_input_style


@pytest.mark.parametrize("prep,expected", [
    (landmark_preprocessing(), "landmarks"), (image_preprocessing(64), "crop"), (clip_preprocessing(32, 16, 15.0), "frame"),
])
def test_auto_style_follows_the_models_input_kind(prep, expected):
    assert resolve_input_style("auto", prep) == expected


@pytest.mark.parametrize("style,prep", [
    ("landmarks", image_preprocessing(64)), ("crop", landmark_preprocessing()), ("mask", clip_preprocessing(32, 16, 15.0)),
])
def test_a_style_the_model_cannot_read_is_rejected_with_the_choices(style, prep):
    with pytest.raises(InputError, match="use one of: auto"):
        resolve_input_style(style, prep)


def test_landmark_input_mirrors_left_hands_and_crop_input_is_normalized():
    rng = np.random.default_rng(0)
    landmarks = rng.uniform(0.3, 0.6, (21, 3)).astype(np.float32)
    rgb = np.full((100, 100, 3), 255, np.uint8)
    left = HandDetection(landmarks, "Left", 0.9)
    vector = INPUT_STYLES["landmarks"].build(HandView(rgb, left, None), landmark_preprocessing())
    assert vector.shape == (63,)
    np.testing.assert_allclose(vector.reshape(21, 3)[:, 0], 1.0 - landmarks[:, 0])
    prep = image_preprocessing(32)
    box = hand_box(left.pixel_points((100, 100)))
    crop = INPUT_STYLES["crop"].build(HandView(rgb, left, box), prep)
    # White pixels normalize to (1 - mean) / std per channel.
    np.testing.assert_allclose(crop[:, 16, 16], (1 - np.array(prep.mean)) / np.array(prep.std), rtol=1e-5)
