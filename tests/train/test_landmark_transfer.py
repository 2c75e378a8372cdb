"""Landmarks that transfer: signer-variation augmentation, mirror-invariant input, hand-shape features."""

import torch

from signport.core.preprocessing import landmark_preprocessing
from signport.data.synth.letters import letter_landmark_set
from signport.train.augment import FINGER_CHAINS, AugmentSettings, build_augmentation, vary_hand_shape
from signport.models import build_model


def _hands(n=8):
    return torch.from_numpy(letter_landmark_set(per_class=1, signers=1).landmarks[:n]).reshape(n, 63)


def _mirrored(flat):
    points = flat.clone().reshape(len(flat), 21, 3)
    points[..., 0] = 1.0 - points[..., 0]
    return points.reshape(len(flat), 63)


def test_hand_shape_variation_keeps_the_hand_connected_and_scales_whole_fingers():
    points = _hands().reshape(-1, 21, 3)
    centred = points - points[:, :1]
    torch.testing.assert_close(vary_hand_shape(centred, 0.0, 0.0), centred)
    torch.manual_seed(0)
    varied = vary_hand_shape(centred, 0.2, 0.0)
    assert torch.all(varied[:, 0] == 0)  # the wrist stays put
    for chain in FINGER_CHAINS:
        # Without bend each finger's bones all scale by the finger's one factor.
        before = centred[:, list(chain[1:])] - centred[:, list(chain[:-1])]
        after = varied[:, list(chain[1:])] - varied[:, list(chain[:-1])]
        ratio = torch.linalg.vector_norm(after, dim=-1) / torch.linalg.vector_norm(before, dim=-1)
        assert torch.allclose(ratio, ratio[:, :1].expand_as(ratio), atol=1e-4)
        assert ((ratio > 0.8 - 1e-4) & (ratio < 1.2 * 1.2 + 1e-4)).all()


def test_signer_variation_augmentation_changes_hands_only_when_training():
    augment = build_augmentation(landmark_preprocessing(), AugmentSettings().with_signer_variation())
    hands = _hands()
    assert torch.equal(augment(hands, train=False), hands)
    torch.manual_seed(0)
    out = augment(hands, train=True).reshape(-1, 21, 3)
    torch.testing.assert_close(out[:, 0], hands.reshape(-1, 21, 3)[:, 0], atol=0.05, rtol=0)  # wrist: only jitter moves it
    assert (out - hands.reshape(-1, 21, 3)).abs().amax() > 0.01
    zero = build_augmentation(landmark_preprocessing(), AugmentSettings().with_signer_variation().scaled(0.0))
    torch.testing.assert_close(zero(hands, train=True), hands, atol=1e-5, rtol=0)


def test_mirror_augmentation_flips_about_half_the_hands():
    augment = build_augmentation(landmark_preprocessing(), AugmentSettings(hflip=True).scaled(0.0))
    hands = _hands(1).repeat(400, 1)
    torch.manual_seed(0)
    out = augment(hands, train=True).reshape(-1, 21, 3)
    flipped = (out[:, 5, 0] - out[:, 0, 0]) * (hands.reshape(-1, 21, 3)[:, 5, 0] - hands.reshape(-1, 21, 3)[:, 0, 0]) < 0
    assert 0.4 < float(flipped.float().mean()) < 0.6


def test_canonical_mirror_makes_the_model_blind_to_handedness_and_none_does_not():
    hands = _hands()
    torch.manual_seed(0)
    canonical = build_model("landmarks", 26, mirror="canonical", features="coords+shape").eval()
    plain = build_model("landmarks", 26).eval()
    with torch.no_grad():
        torch.testing.assert_close(canonical(_mirrored(hands)), canonical(hands), atol=1e-5, rtol=1e-5)
        assert (plain(_mirrored(hands)) - plain(hands)).abs().amax() > 1e-3


def test_hand_shape_features_ignore_in_plane_rotation():
    from signport.models.landmarks import HandShapeFeatures, LandmarkNormalize

    hands = _hands()
    angle = torch.tensor(0.7)
    rotation = torch.tensor([[torch.cos(angle), -torch.sin(angle), 0], [torch.sin(angle), torch.cos(angle), 0], [0, 0, 1]])
    rotated = (hands.reshape(-1, 21, 3) @ rotation.T).reshape(-1, 63)
    features, normalize = HandShapeFeatures(), LandmarkNormalize()
    shape = lambda x: features(normalize(x))[:, 63:]  # noqa: E731
    torch.testing.assert_close(shape(rotated), shape(hands), atol=1e-5, rtol=1e-4)
