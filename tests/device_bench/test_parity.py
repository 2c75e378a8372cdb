import numpy as np
import pytest

from signport.device_bench.parity import (
    DEFAULT_THRESHOLDS,
    ParityThresholds,
    embedding_parity,
    logit_parity,
    parity_verdict,
    precision_class,
)


def test_identical_logits_agree_fully_with_zero_delta():
    logits = np.random.default_rng(0).normal(size=(20, 4))
    m = logit_parity(logits, logits.copy())
    assert m["agreement"] == 1.0 and m["disagreements"] == 0
    assert m["max_abs_logit_delta"] == 0.0 and m["max_delta_ratio"] == 0.0
    assert np.trace(np.asarray(m["prediction_matrix"])) == 20


def test_logit_parity_counts_flips_and_deltas():
    reference = np.array([[3.0, 0.0], [0.0, 3.0], [1.0, 0.0], [0.0, 1.0]])
    candidate = reference + np.array([[0.0, 0.0], [0.0, 0.0], [-2.0, 0.0], [0.0, 0.5]])  # flips sample 2
    m = logit_parity(reference, candidate)
    assert m["agreement"] == 0.75 and m["disagreements"] == 1
    assert m["max_abs_logit_delta"] == 2.0
    assert m["mean_abs_logit_delta"] == pytest.approx(2.5 / 8)
    assert m["reference_logit_range"] == 3.0
    assert m["max_delta_ratio"] == pytest.approx(2 / 3)
    assert m["prediction_matrix"] == [[1, 1], [0, 2]]


def test_labels_give_accuracy_per_class_delta_and_confusion_delta():
    reference = np.eye(3)[[0, 1, 2, 0]] * 5
    candidate = np.eye(3)[[0, 1, 1, 0]] * 5
    labels = np.array([0, 1, 2, 2])
    m = logit_parity(reference, candidate, labels)
    assert m["reference_accuracy"] == 0.75 and m["accuracy"] == 0.5
    assert m["per_class_accuracy_delta"] == [0.0, 0.0, pytest.approx(-0.5)]
    delta = np.asarray(m["confusion_delta"])
    assert delta.sum() == 0
    assert delta[2, 1] == 1 and delta[2, 2] == -1 and delta[2, 0] == 0


def test_embedding_cosine():
    a = np.array([[1.0, 0.0], [1.0, 1.0]])
    b = np.array([[2.0, 0.0], [1.0, -1.0]])
    m = embedding_parity(a, b)
    assert m["cosine_min"] == pytest.approx(0.0, abs=1e-12)
    assert m["cosine_mean"] == pytest.approx(0.5)


def test_fp32_verdict_uses_delta_relative_to_logit_range():
    reference = np.array([[10.0, 0.0], [0.0, 10.0]])
    fp32 = DEFAULT_THRESHOLDS["fp32"]
    ok, reasons = parity_verdict(logit_parity(reference, reference + 0.009), fp32)  # 9e-4 of range 10
    assert ok and reasons == []
    ok, reasons = parity_verdict(logit_parity(reference, reference + 0.011), fp32)
    assert not ok and "max|Δlogit|" in reasons[0]


def test_int8_verdict_needs_98_percent_agreement():
    reference = np.tile([[1.0, 0.0]], (100, 1))
    candidate = reference.copy()
    candidate[:2] = [0.0, 1.0]  # 98 % agree
    assert parity_verdict(logit_parity(reference, candidate), DEFAULT_THRESHOLDS["int8"])[0]
    candidate[:3] = [0.0, 1.0]  # 97 %
    ok, reasons = parity_verdict(logit_parity(reference, candidate), DEFAULT_THRESHOLDS["int8"])
    assert not ok and "97.00% < 98.00%" in reasons[0]


def test_precision_names_map_to_threshold_classes():
    assert precision_class("fp32") == "fp32" and precision_class("float32") == "fp32"
    assert precision_class("INT8") == "int8" and precision_class("int8-pt2e") == "int8"
    assert precision_class("fp16") == "fp16"
    assert precision_class("int4") is None
    assert ParityThresholds(0.5).max_delta_ratio is None
