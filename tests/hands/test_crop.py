import cv2
import numpy as np
import pytest

from signport.hands.crop import HAND_CONNECTIONS, Box, crop_square, hand_box, landmark_mask
from signport.hands.landmarker import HandLandmarker

# A plausible open hand in pixels: wrist at the bottom, fingers up (x, y).
HAND_XY = np.array([
    [100, 200], [80, 185], [65, 165], [55, 145], [45, 130], [85, 140], [82, 110], [80, 90], [78, 72],
    [100, 135], [100, 100], [100, 78], [100, 60], [115, 140], [118, 108], [120, 88], [121, 72],
    [128, 150], [135, 128], [138, 114], [140, 100],
], np.float32)


def test_hand_box_is_a_square_around_all_landmarks_with_margin():
    box = hand_box(HAND_XY, margin=0.25)
    assert box.width == box.height
    assert box.contains(HAND_XY).all()
    extent = float(np.ptp(HAND_XY, axis=0).max())  # 140 px tall
    assert box.width == pytest.approx(extent * 1.5, abs=1)
    assert box.y0 <= HAND_XY[:, 1].min() - 0.25 * extent + 1


def test_crop_keeps_pixels_and_fills_outside_the_frame_with_black():
    rgb = np.random.default_rng(0).integers(1, 256, (120, 160, 3), dtype=np.uint8)
    box = Box(-20, 10, 60, 90)  # 80x80, the left 20 columns outside the frame
    crop = crop_square(rgb, box, 80)
    assert (crop[:, :20] == 0).all()
    np.testing.assert_array_equal(crop[:, 20:], rgb[10:90, 0:60])


def test_crop_of_a_box_entirely_outside_is_black():
    assert not crop_square(np.full((50, 50, 3), 255, np.uint8), Box(100, 100, 140, 140), 32).any()


def test_mask_draws_every_joint_and_bone_on_black():
    box = hand_box(HAND_XY)
    size = 64
    mask = landmark_mask(HAND_XY, box, size)
    assert mask.shape == (size, size, 3) and mask.dtype == np.uint8
    local = (HAND_XY - [box.x0, box.y0]) * size / box.width
    for x, y in np.round(local).astype(int):
        assert mask[y, x].min() > 100
    for a, b in HAND_CONNECTIONS:
        mx, my = np.round((local[a] + local[b]) / 2).astype(int)
        assert mask[my, mx].min() > 100
    # Corners are far from the hand: black. The skeleton covers a minority of the image.
    assert not mask[:3, :3].any() and not mask[-3:, -3:].any()
    assert 0.05 < (mask[..., 0] > 100).mean() < 0.5


def test_crop_and_mask_of_a_real_detected_hand(shared_data, hand_model):
    rgb = cv2.cvtColor(cv2.imread(str(shared_data / "hands/rock/0cc7ad09-ae5f-45a8-b264-4216176369b6.jpg")), cv2.COLOR_BGR2RGB)
    with HandLandmarker(hand_model, mode="image") as landmarker:
        hand = landmarker.detect(rgb)[0]
    xy = hand.pixel_points(rgb.shape[:2])
    box = hand_box(xy)
    assert box.contains(xy).all()
    crop = crop_square(rgb, box, 64)
    # The hand fills the crop: it is a real image patch, not black padding.
    assert crop.shape == (64, 64, 3) and crop.mean() > 30
    mask = landmark_mask(xy, box, 64)
    assert (mask[..., 0] > 100).sum() > 100
