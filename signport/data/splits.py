"""Deterministic train/val/test splits: stratified by label, optionally disjoint by signer.

Signer-disjoint splits are what the personalisation numbers mean: a model that has seen a
person's hands in training scores far higher on that person than on a new one.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

SPLIT_NAMES = ("train", "val", "test")


def _check_fractions(fractions: Sequence[float]) -> np.ndarray:
    values = np.asarray(fractions, dtype=np.float64)
    if values.shape != (len(SPLIT_NAMES),) or (values < 0).any() or abs(values.sum() - 1.0) > 1e-6:
        raise ValueError(f"fractions must be three non-negative numbers (train, val, test) summing to 1, got {fractions}")
    return values


def _cut_points(fractions: np.ndarray, count: int) -> np.ndarray:
    """How many of `count` items each split gets: rounded cumulative boundaries, so the sizes add up."""
    bounds = np.round(np.cumsum(fractions) * count).astype(np.int64)
    bounds[-1] = count
    return np.diff(np.concatenate([[0], bounds]))


def _stratified(labels: np.ndarray, fractions: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    assignment = np.empty(len(labels), dtype=np.int64)
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        assignment[members] = np.repeat(np.arange(len(SPLIT_NAMES)), _cut_points(fractions, len(members)))
    return assignment


def _group_quotas(fractions: np.ndarray, num_groups: int) -> np.ndarray:
    """Groups per split; every split with a non-zero fraction gets one when there are enough groups."""
    quotas = _cut_points(fractions, num_groups)
    wanted = np.flatnonzero(fractions > 0)
    if num_groups >= len(wanted):
        for split in wanted:
            if quotas[split] == 0:
                quotas[np.argmax(quotas)] -= 1
                quotas[split] += 1
    return quotas


def _signer_disjoint(
    labels: np.ndarray, groups: np.ndarray, fractions: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Assign whole groups, largest first, to the split that keeps every label's share closest to target."""
    names, group_of = np.unique(groups, return_inverse=True)
    classes, label_of = np.unique(labels, return_inverse=True)
    per_group = np.zeros((len(names), len(classes)), dtype=np.float64)
    np.add.at(per_group, (group_of, label_of), 1.0)
    target = fractions[:, None] * per_group.sum(axis=0)[None, :]
    filled = np.zeros_like(target)
    quotas = _group_quotas(fractions, len(names))
    shuffled = rng.permutation(len(names))
    order = shuffled[np.argsort(-per_group[shuffled].sum(axis=1), kind="stable")]
    split_of_group = np.empty(len(names), dtype=np.int64)
    for group in order:
        open_splits = np.flatnonzero(quotas > 0)
        before = filled[open_splits] - target[open_splits]
        after = before + per_group[group]
        # Only the receiving split changes, so compare each split's change in squared error.
        split = open_splits[int(np.argmin((after**2).sum(axis=1) - (before**2).sum(axis=1)))]
        split_of_group[group] = split
        filled[split] += per_group[group]
        quotas[split] -= 1
    return split_of_group[group_of]


def split_indices(
    labels: Sequence[str],
    fractions: Sequence[float] = (0.8, 0.1, 0.1),
    seed: int = 0,
    groups: Sequence[str] | None = None,
) -> dict[str, np.ndarray]:
    """Sample indices per split ("train", "val", "test"), each sorted; the same inputs give the same split.

    Without `groups` every label is split by `fractions` on its own (stratified). With `groups`
    (e.g. signer ids) no group spans two splits; whole groups are placed so each label's share
    per split stays as close to `fractions` as the groups allow, and every split with a
    non-zero fraction gets at least one group when there are enough groups.
    """
    fractions_ = _check_fractions(fractions)
    labels_ = np.asarray(list(labels), dtype=object).astype(str)
    rng = np.random.default_rng(seed)
    if groups is None:
        assignment = _stratified(labels_, fractions_, rng)
    else:
        groups_ = np.asarray(list(groups), dtype=object).astype(str)
        if len(groups_) != len(labels_):
            raise ValueError(f"groups has {len(groups_)} entries but labels has {len(labels_)}")
        assignment = _signer_disjoint(labels_, groups_, fractions_, rng)
    return {name: np.flatnonzero(assignment == i) for i, name in enumerate(SPLIT_NAMES)}
