import numpy as np
import pytest

from signport.train.metrics import class_weights, classification_metrics, confusion_matrix, top_k_accuracy

LABELS = ["a", "b", "c", "d"]
TARGETS = np.array([0, 0, 1, 1, 2, 2, 2])
# Rows give each sample's (first choice, second choice); the rest of the scores are lower.
CHOICES = [(0, 1), (1, 0), (1, 2), (1, 0), (2, 1), (0, 3), (3, 2)]


def _scores() -> np.ndarray:
    scores = np.zeros((len(CHOICES), len(LABELS)))
    for row, (first, second) in enumerate(CHOICES):
        scores[row, first], scores[row, second] = 2.0, 1.0
    return scores


def test_metrics_match_a_hand_computed_example():
    metrics = classification_metrics(TARGETS, _scores(), LABELS)
    assert metrics["confusion_matrix"] == [[1, 1, 0, 0], [0, 2, 0, 0], [1, 0, 1, 1], [0, 0, 0, 0]]
    assert metrics["top1"] == pytest.approx(4 / 7)
    assert metrics["top5"] == 1.0  # capped at 4 classes
    # precision a 1/2, b 2/3, c 1/1, d 0/1; recall a 1/2, b 2/2, c 1/3, d 0 (no support, but predicted)
    assert metrics["macro_precision"] == pytest.approx((0.5 + 2 / 3 + 1 + 0) / 4)
    assert metrics["macro_recall"] == pytest.approx((0.5 + 1 + 1 / 3 + 0) / 4)
    assert metrics["macro_f1"] == pytest.approx((0.5 + 0.8 + 0.5 + 0) / 4)
    assert metrics["per_class_accuracy"] == {"a": 0.5, "b": 1.0, "c": pytest.approx(1 / 3), "d": None}
    assert metrics["support"] == {"a": 2, "b": 2, "c": 3, "d": 0}


def test_top_k_counts_the_second_choice():
    assert top_k_accuracy(TARGETS, _scores(), 2) == pytest.approx(6 / 7)


def test_macro_averages_agree_with_scikit_learn():
    from sklearn import metrics as sklearn_metrics  # a test dependency (pyproject [test]): never skipped
    rng = np.random.default_rng(0)
    targets = rng.integers(0, 6, 200)
    scores = rng.normal(size=(200, 8)) + np.eye(8)[targets] * 1.5
    ours = classification_metrics(targets, scores, [str(i) for i in range(8)])
    p, r, f, _ = sklearn_metrics.precision_recall_fscore_support(targets, scores.argmax(1), average="macro", zero_division=0)
    assert (ours["macro_precision"], ours["macro_recall"], ours["macro_f1"]) == pytest.approx((p, r, f))
    np.testing.assert_array_equal(np.array(ours["confusion_matrix"]), sklearn_metrics.confusion_matrix(targets, scores.argmax(1), labels=range(8)))


def test_class_weights_are_inverse_frequency_and_zero_for_absent_classes():
    weights = class_weights(np.array([0, 0, 0, 1]), 3)
    np.testing.assert_allclose(weights, [4 / (2 * 3), 4 / (2 * 1), 0.0])


def test_confusion_matrix_rows_are_true_classes():
    np.testing.assert_array_equal(confusion_matrix(np.array([0, 1]), np.array([1, 1]), 2), [[0, 1], [0, 1]])
