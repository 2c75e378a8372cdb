import argparse

import pytest

from signport.core.errors import InputError
from signport.core.registry import Registry


def test_registry_refuses_a_second_entry_under_a_taken_name():
    formats = Registry("export format")
    formats.register("onnx")(object)
    with pytest.raises(ValueError, match="export format 'onnx' is registered twice"):
        formats.register("onnx")(int)
    assert formats["onnx"] is object


def test_registry_choices_feed_argparse_and_unknown_names_list_them():
    runtimes = Registry("runtime")
    for name in ("onnx", "coreml", "executorch"):
        runtimes[name] = name.upper()
    assert runtimes.choices() == ("coreml", "executorch", "onnx")
    assert list(runtimes) == ["onnx", "coreml", "executorch"]  # registration order for iteration
    parser = argparse.ArgumentParser()
    parser.add_argument("--runtime", choices=runtimes.choices())
    assert parser.parse_args(["--runtime", "coreml"]).runtime == "coreml"
    with pytest.raises(InputError, match="unknown runtime 'tflite'; choose one of: coreml, executorch, onnx"):
        runtimes.get_or_fail("tflite")
    assert runtimes.get_or_fail("onnx") == "ONNX"


def test_registry_entry_can_be_removed_and_added_again():
    models = Registry("model")
    models["a"] = 1
    del models["a"]
    models["a"] = 2
    assert dict(models) == {"a": 2}
