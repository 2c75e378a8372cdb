import json

import pytest

from signport.core.errors import InputError
from signport.device_bench.profiles import DEVICE_LABEL
from signport.device_bench.results import add_run, bench_result_view, device_run_from_json, load_results, run_key


def test_runs_from_two_devices_accumulate_under_distinct_keys(tmp_path, make_phone_result):
    path = tmp_path / "bench" / "results.json"
    pixel = device_run_from_json(make_phone_result("Pixel 7", 1.1), "pixel.json")
    iphone_json = {**make_phone_result("iPhone 12", 0.9), "device": {"name": "iPhone 12", "os": "iOS 17", "kind": "ios"},
                   "created": "2025-01-01T10:05:00+00:00"}
    first, second = add_run(path, pixel), add_run(path, device_run_from_json(iphone_json, "iphone.json"))
    results = load_results(path)
    assert set(results["runs"]) == {first, second} and first != second
    assert first == "Pixel 7|device|2025-01-01T10:00:00+00:00"
    assert results["runs"][second]["results"][0]["latency_ms"]["p50"] == 0.9
    assert results["runs"][first]["label"] == DEVICE_LABEL
    assert all(r["label"] == DEVICE_LABEL for r in results["runs"][first]["results"])
    # the same device measured again later is a new run, not an overwrite
    add_run(path, {**pixel, "created": "2025-01-02T10:00:00+00:00"})
    assert len(load_results(path)["runs"]) == 3
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]  # atomic writes leave no temp files


def test_host_rows_are_stored_as_schema_results_plus_host_fields(make_phone_result):
    run = device_run_from_json(make_phone_result(), "x.json")
    run["results"][0].update(peak_rss_mb=80.0, samples_ms=[1.0, 1.2], spread_ms={"min": 1.0, "max": 1.2, "std": 0.1})
    run["results"].append({"artifact_id": "broken", "runtime": "onnxruntime", "status": "failed", "error": "boom"})
    view = bench_result_view(run)
    assert [r["artifact_id"] for r in view["results"]] == ["executorch-backbone-fp32"]  # failed rows are not results
    assert "peak_rss_mb" not in view["results"][0] and "samples_ms" not in view["results"][0]


def test_phone_json_off_schema_is_rejected(tmp_path, make_phone_result):
    broken = make_phone_result()
    del broken["results"][0]["latency_ms"]
    with pytest.raises(InputError, match="results/0: 'latency_ms' is a required property"):
        device_run_from_json(broken, tmp_path / "phone.json")
    with pytest.raises(InputError, match="device: 'os' is a required property"):
        device_run_from_json({**make_phone_result(), "device": {"name": "x", "kind": "android"}}, "phone.json")


def test_malformed_results_file_is_an_input_error(tmp_path):
    path = tmp_path / "results.json"
    path.write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        load_results(path)
    path.write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(InputError, match="not a signport bench results file"):
        load_results(path)
    assert load_results(tmp_path / "absent.json")["runs"] == {}
    assert run_key({"device": {"name": "d"}, "profile": "p", "created": "t"}) == "d|p|t"
