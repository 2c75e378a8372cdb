import numpy as np
import pytest
import torch

from signport.core.errors import InputError
from signport.core.preprocessing import clip_preprocessing, image_preprocessing, landmark_preprocessing, normalize_image
from signport.train.augment import AugmentSettings, build_augmentation


def test_evaluation_input_is_exactly_the_deployed_preprocessing():
    prep = image_preprocessing(32)
    rgb = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    ours = build_augmentation(prep, AugmentSettings())(torch.from_numpy(rgb).permute(2, 0, 1)[None], train=False)[0]
    np.testing.assert_allclose(ours.numpy(), normalize_image(rgb, prep), atol=1e-6)


def test_training_images_come_out_at_the_input_size_and_differ_per_sample():
    prep = image_preprocessing(24)
    batch = torch.full((4, 3, 28, 28), 128, dtype=torch.uint8)
    batch[:, :, 8:20, 4:12] = 250
    torch.manual_seed(0)
    out = build_augmentation(prep, AugmentSettings(hflip=True))(batch, train=True)
    assert out.shape == (4, 3, 24, 24)
    assert not torch.allclose(out[0], out[1])


def test_all_frames_of_a_clip_share_one_augmentation():
    prep = clip_preprocessing(size=24, clip_length=4)
    frame = torch.randint(0, 256, (3, 1, 28, 28), dtype=torch.uint8)
    clips = frame.expand(3, 4, 28, 28).unsqueeze(0).repeat(2, 1, 1, 1, 1)  # (2, 3, 4, 28, 28): 4 equal frames
    torch.manual_seed(0)
    out = build_augmentation(prep, AugmentSettings())(clips, train=True)
    assert out.shape == (2, 3, 4, 24, 24)
    for t in range(1, 4):
        torch.testing.assert_close(out[:, :, t], out[:, :, 0])
    assert not torch.allclose(out[0], out[1])  # but two clips get different draws


def test_landmark_noise_is_small_and_evaluation_is_identity():
    prep = landmark_preprocessing()
    rng = np.random.default_rng(0)
    points = torch.from_numpy(rng.uniform(0.3, 0.7, (8, 63)).astype(np.float32))
    augment = build_augmentation(prep, AugmentSettings())
    torch.testing.assert_close(augment(points, train=False), points)
    torch.manual_seed(0)
    moved = augment(points, train=True)
    assert moved.shape == points.shape
    assert 0 < (moved - points).abs().max() < 0.25


def test_image_input_is_channels_last_with_the_same_values():
    # Channels-last input runs the convolutions channels-last (faster on CPU); the numbers must not change.
    prep = image_preprocessing(32)
    batch = torch.from_numpy(np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)).permute(0, 3, 1, 2)
    out = build_augmentation(prep, AugmentSettings())(batch, train=False)
    assert out.is_contiguous(memory_format=torch.channels_last)
    np.testing.assert_allclose(out[1].numpy(), normalize_image(batch[1].permute(1, 2, 0).numpy(), prep), atol=1e-6)
    torch.manual_seed(0)
    trained = build_augmentation(prep, AugmentSettings())(batch, train=True)
    assert trained.shape == (2, 3, 32, 32) and trained.is_contiguous(memory_format=torch.channels_last)


def test_augment_strength_scales_every_range():
    base = AugmentSettings()
    half = base.scaled(0.5)
    assert half.rotation_degrees == base.rotation_degrees / 2
    assert half.crop_scale == pytest.approx((1 - (1 - base.crop_scale[0]) / 2, 1.0))
    assert half.brightness == base.brightness / 2 and half.hue == base.hue / 2
    assert half.landmark_jitter == base.landmark_jitter / 2
    assert base.scaled(1.0) == base


def test_zero_strength_changes_nothing_but_the_size():
    prep = image_preprocessing(32)
    augment = build_augmentation(prep, AugmentSettings().scaled(0.0))
    batch = torch.randint(0, 256, (4, 3, 32, 32), dtype=torch.uint8)
    torch.testing.assert_close(augment(batch, train=True), augment(batch, train=False), atol=1e-4, rtol=0)


def test_negative_strength_is_a_clear_error():
    with pytest.raises(InputError, match="--augment-strength"):
        AugmentSettings().scaled(-0.5)
