import numpy as np

from signport.train.datasets import clip_frame_indices, split_indices


def test_split_is_stratified_disjoint_complete_and_seeded():
    targets = np.repeat(np.arange(4), 20)
    splits = split_indices(targets, 0.15, 0.25, seed=1)
    together = np.concatenate(list(splits.values()))
    assert sorted(together) == list(range(80))
    for name, size in (("test", 5), ("val", 3), ("train", 12)):
        assert np.all(np.bincount(targets[splits[name]], minlength=4) == size)
    again = split_indices(targets, 0.15, 0.25, seed=1)
    other = split_indices(targets, 0.15, 0.25, seed=2)
    assert all(np.array_equal(splits[k], again[k]) for k in splits)
    assert not np.array_equal(splits["test"], other["test"])


def test_predefined_split_is_kept():
    splits = split_indices(np.zeros(4, int), 0.5, 0.5, seed=0, predefined=["train", "test", "train", "val"])
    assert splits["train"].tolist() == [0, 2] and splits["val"].tolist() == [3] and splits["test"].tolist() == [1]


def test_evaluation_clip_is_the_centred_window_and_training_clips_stay_inside_the_sign():
    assert clip_frame_indices(20, 4, 2.0, train=False).tolist() == [6, 8, 10, 12]
    for _ in range(20):
        indices = clip_frame_indices(100, 8, 3.0, train=True, first=10, last=60)
        assert indices.min() >= 10 and indices.max() <= 60 and np.all(np.diff(indices) >= 0)
    assert clip_frame_indices(3, 4, 1.0, train=False).tolist() == [0, 1, 2, 2]  # short video: last frame repeats
