import numpy as np
import pytest

from signport.device_bench.parity import ParityThresholds, artifact_parity_metrics, parity_verdict, verdict_kind


def test_identical_logits_agree_fully_with_zero_delta():
    logits = np.random.default_rng(0).normal(size=(20, 4))
    m = artifact_parity_metrics(logits, logits.copy())
    assert m["top1_agreement"] == 1.0 and m["disagreements"] == 0
    assert m["max_abs_logit_delta"] == 0.0 and m["mean_abs_logit_delta"] == 0.0
    assert np.trace(np.asarray(m["prediction_matrix"])) == 20


def test_flips_and_deltas_are_counted():
    reference = np.array([[3.0, 0.0], [0.0, 3.0], [1.0, 0.0], [0.0, 1.0]])
    candidate = reference + np.array([[0.0, 0.0], [0.0, 0.0], [-2.0, 0.0], [0.0, 0.5]])  # flips sample 2
    m = artifact_parity_metrics(reference, candidate)
    assert m["top1_agreement"] == 0.75 and m["disagreements"] == 1
    assert m["max_abs_logit_delta"] == 2.0
    assert m["mean_abs_logit_delta"] == pytest.approx(2.5 / 8)
    assert m["logit_range"] == 3.0 and m["max_logit_delta_rel_range"] == pytest.approx(2 / 3)
    assert m["prediction_matrix"] == [[1, 1], [0, 2]]


def test_labels_give_accuracy_per_class_delta_and_confusion_delta():
    reference = np.eye(3)[[0, 1, 2, 0]] * 5
    candidate = np.eye(3)[[0, 1, 1, 0]] * 5
    labels = np.array([0, 1, 2, 2])
    m = artifact_parity_metrics(reference, candidate, labels)
    assert m["reference_accuracy"] == 0.75 and m["accuracy"] == 0.5
    assert m["per_class_accuracy_delta"] == [0.0, 0.0, pytest.approx(-0.5)]
    delta = np.asarray(m["confusion_delta"])
    assert delta.sum() == 0
    assert delta[2, 1] == 1 and delta[2, 2] == -1 and delta[2, 0] == 0


def test_embedding_cosine_for_backbones():
    a = np.array([[1.0, 0.0], [1.0, 1.0]])
    b = np.array([[2.0, 0.0], [1.0, -1.0]])
    logits = np.zeros((2, 2))
    m = artifact_parity_metrics(logits, logits, reference_embedding=a, embedding=b)
    assert m["embedding_cosine_min"] == pytest.approx(0.0, abs=1e-12)
    assert m["embedding_cosine_mean"] == pytest.approx(0.5)


def test_float_verdict_bounds_the_delta_relative_to_the_logit_range():
    reference = np.array([[10.0, 0.0], [0.0, 10.0]])
    defaults = ParityThresholds()
    assert parity_verdict(artifact_parity_metrics(reference, reference + 0.009), "float", defaults)["passed"]
    verdict = parity_verdict(artifact_parity_metrics(reference, reference + 0.011), "float", defaults)
    assert not verdict["passed"] and verdict["failures"][0].startswith("max_logit_delta_rel_range 0.0011")


def test_int8_verdict_needs_98_percent_agreement():
    reference = np.tile([[1.0, 0.0]], (100, 1))
    candidate = reference.copy()
    candidate[:2] = [0.0, 1.0]  # 98 % agree
    assert parity_verdict(artifact_parity_metrics(reference, candidate), "int8", ParityThresholds())["passed"]
    candidate[:3] = [0.0, 1.0]  # 97 %
    verdict = parity_verdict(artifact_parity_metrics(reference, candidate), "int8", ParityThresholds())
    assert not verdict["passed"] and verdict["failures"] == ["top1_agreement 0.97 (needs >= 0.98)"]


def test_precisions_map_to_verdict_kinds():
    assert verdict_kind("fp32") == verdict_kind("fp16") == verdict_kind("float32") == "float"
    assert verdict_kind("int8") == verdict_kind("INT8-pt2e") == "int8"
    assert verdict_kind("int4") is None


def test_palettized_artifacts_get_the_same_verdict_in_export_and_bench():
    from signport.export.formats.base import ArtifactRequest

    request = ArtifactRequest("coreml", "backbone", "palettized4", ".mlpackage")
    assert request.verdict_kind == verdict_kind("palettized4") == verdict_kind("palettized6") == "int8"
    assert ArtifactRequest("coreml", "backbone", "fp16", ".mlpackage").verdict_kind == "float"


def test_export_and_bench_take_the_same_threshold_flags_named_after_parity_thresholds():
    import argparse

    from signport.core.config import add_dataclass_arguments
    from signport.device_bench.config import BenchConfig
    from signport.export.config import ExportConfig

    def threshold_flags(cls):
        parser = argparse.ArgumentParser()
        add_dataclass_arguments(parser, cls)
        return {a.dest: a.default for a in parser._actions if a.dest in ParityThresholds.names()}

    assert set(threshold_flags(ExportConfig)) == set(threshold_flags(BenchConfig)) == set(vars(ParityThresholds()))
    assert threshold_flags(ExportConfig) == vars(ParityThresholds())  # export judges with the defaults
    assert set(threshold_flags(BenchConfig).values()) == {None}  # bench falls back to the manifest's
