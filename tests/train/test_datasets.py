import numpy as np
import torch

from signport.core.preprocessing import clip_preprocessing
from signport.data.types import ImageIndex, LandmarkSet
from signport.train.datasets import ClipDataset, make_splits


def _landmarks(per_class: int, classes: int = 4) -> LandmarkSet:
    labels = [chr(ord("A") + c) for c in range(classes) for _ in range(per_class)]
    return LandmarkSet(landmarks=np.zeros((len(labels), 21, 3), np.float32), labels=labels, classes=sorted(set(labels)))


def test_training_split_is_stratified_disjoint_complete_and_seeded():
    index = _landmarks(20)
    splits = make_splits(index, 0.15, 0.25, seed=1)
    assert sorted(np.concatenate(list(splits.values()))) == list(range(80))
    targets = index.targets()
    for name, size in (("test", 5), ("val", 3), ("train", 12)):
        assert np.all(np.bincount(targets[splits[name]], minlength=4) == size)
    again, other = make_splits(index, 0.15, 0.25, seed=1), make_splits(index, 0.15, 0.25, seed=2)
    assert all(np.array_equal(splits[k], again[k]) for k in splits)
    assert not np.array_equal(splits["test"], other["test"])


def test_max_per_class_caps_every_class_before_splitting():
    splits = make_splits(_landmarks(20), 0.2, 0.2, seed=0, max_per_class=10)
    assert sum(len(v) for v in splits.values()) == 40


def test_signer_split_keeps_each_signer_on_one_side():
    labels = [c for _ in range(6) for c in "AB"] * 2
    signers = [f"s{i // 2 % 6}" for i in range(24)]
    index = ImageIndex(paths=[None] * 24, labels=labels, classes=["A", "B"], signers=signers)
    splits = make_splits(index, 0.2, 0.2, seed=0, split_by="signer")
    seen = [{signers[i] for i in rows} for rows in splits.values()]
    assert all(not (a & b) for i, a in enumerate(seen) for b in seen[i + 1 :])


def test_clip_dataset_centres_evaluation_clips_and_jitters_training_clips():
    video = np.arange(40, dtype=np.uint8)[:, None, None, None].repeat(3, axis=3).repeat(4, axis=1).repeat(4, axis=2)  # frame t has value t
    prep = clip_preprocessing(size=4, clip_length=4, clip_fps=15.0)
    evaluation = ClipDataset([video], [30.0], np.array([0]), prep, train=False)
    clip, _ = evaluation[0]
    assert clip.shape == (3, 4, 4, 4) and clip[0, :, 0, 0].tolist() == [16, 18, 20, 22]  # stride 2, centred
    training = ClipDataset([video], [30.0], np.array([0]), prep, train=True, frame_ranges=[(10, 30)])
    torch.manual_seed(0)
    starts = {int(training[0][0][0, 0, 0, 0]) for _ in range(20)}
    assert len(starts) > 3 and min(starts) >= 10 and max(starts) <= 24


def test_order_split_holds_out_the_last_rows_of_each_class():
    splits = make_splits(_landmarks(10, classes=2), 0.2, 0.3, seed=0, split_by="order")
    assert splits["train"].tolist() == [0, 1, 2, 3, 4, 10, 11, 12, 13, 14]
    assert splits["val"].tolist() == [5, 6, 15, 16] and splits["test"].tolist() == [7, 8, 9, 17, 18, 19]
