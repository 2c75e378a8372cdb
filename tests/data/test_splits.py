"""Deterministic stratified and signer-disjoint splits."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from signport.data.splits import split_indices


def letters(per_class=20, classes="ABCDE"):
    return [c for c in classes for _ in range(per_class)]


def test_stratified_split_gives_every_label_its_fraction_and_covers_each_sample_once():
    labels = letters()
    splits = split_indices(labels, (0.7, 0.15, 0.15), seed=3)
    everything = np.concatenate(list(splits.values()))
    assert sorted(everything.tolist()) == list(range(len(labels)))
    for name, per_label in (("train", 14), ("val", 3), ("test", 3)):
        assert Counter(labels[i] for i in splits[name]) == {c: per_label for c in "ABCDE"}


def test_same_seed_same_split_other_seed_other_split():
    labels = letters()
    a, b, c = (split_indices(labels, seed=s) for s in (1, 1, 2))
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["test"], c["test"])


def test_signer_disjoint_split_never_shares_a_signer_between_splits():
    labels = letters(per_class=24)
    signers = [f"signer{i % 8}" for i in range(len(labels))]
    splits = split_indices(labels, (0.75, 0.125, 0.125), seed=0, groups=signers)
    members = {name: {signers[i] for i in idx} for name, idx in splits.items()}
    assert members["train"].isdisjoint(members["val"]) and members["train"].isdisjoint(members["test"])
    assert members["val"].isdisjoint(members["test"])
    assert [len(members[k]) for k in ("train", "val", "test")] == [6, 1, 1]
    assert set(Counter(labels[i] for i in splits["val"]).values()) == {3}  # every letter in val


def test_signer_disjoint_split_gives_each_split_a_signer_even_when_few():
    labels = letters(per_class=3, classes="AB")
    signers = ["p1", "p2", "p3"] * 2
    splits = split_indices(labels, (0.8, 0.1, 0.1), seed=5, groups=signers)
    assert all(len(idx) == 2 for idx in splits.values())


def test_bad_fractions_are_refused():
    with pytest.raises(ValueError, match="summing to 1"):
        split_indices(["A"], (0.5, 0.2, 0.2))
