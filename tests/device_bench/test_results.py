import json

import pytest

from signport.core.errors import InputError
from signport.device_bench.profiles import DEVICE_LABEL
from signport.device_bench.results import add_run, device_run_from_json, load_results, run_key


def test_runs_from_two_devices_accumulate_under_distinct_keys(tmp_path, make_phone_result):
    path = tmp_path / "bench" / "results.json"
    pixel = device_run_from_json(make_phone_result("Pixel 7", 1.1), "pixel.json", timestamp="2025-01-01T10:00:00+00:00")
    iphone = device_run_from_json({**make_phone_result("iPhone 12", 0.9), "device": {"name": "iPhone 12", "os": "iOS 17",
                                                                                      "kind": "ios"}},
                                  "iphone.json", timestamp="2025-01-01T10:05:00+00:00")
    first, second = add_run(path, pixel), add_run(path, iphone)
    results = load_results(path)
    assert set(results["runs"]) == {first, second} and first != second
    assert first == "Pixel 7|device|2025-01-01T10:00:00+00:00"
    assert results["runs"][second]["results"][0]["latency_ms"]["p50"] == 0.9
    assert results["runs"][first]["label"] == DEVICE_LABEL
    assert all(r["label"] == DEVICE_LABEL for r in results["runs"][first]["results"])
    # the same device re-measured later is a new run, not an overwrite
    add_run(path, {**pixel, "timestamp": "2025-01-02T10:00:00+00:00"})
    assert len(load_results(path)["runs"]) == 3
    assert not list(path.parent.glob(".results.json.*.tmp"))  # atomic writes leave no temp files


def test_phone_json_missing_shared_keys_is_rejected(tmp_path, make_phone_result):
    broken = make_phone_result()
    del broken["results"][0]["latency_ms"]
    with pytest.raises(InputError, match="results\\[0\\].latency_ms"):
        device_run_from_json(broken, tmp_path / "phone.json")
    with pytest.raises(InputError, match="device.os"):
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
    assert run_key({"device": {"name": "d"}, "profile": "p", "timestamp": "t"}) == "d|p|t"
