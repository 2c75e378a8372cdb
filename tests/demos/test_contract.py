"""The phone apps read and write exactly the formats signport's Python side defines.

No Xcode or Android SDK here, so the Swift and Kotlin sources are parsed (lightly: CodingKeys enums,
`fromJson`/`toJson` bodies, constants) and compared with the contract's single Python sources:
signport/core/manifest.schema.json, signport.core.heads (HeadManifest, head_to_bin),
signport/core/bench_result.schema.json and signport.core.labels. Each check is a function returning
the problems it found, so the tests below can also prove that a broken app source is caught.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from signport.core import labels as core_labels
from signport.core import preprocessing as core_preprocessing
from signport.core.bench_result import bench_result_schema, latency_summary, validate_bench_result
from signport.core.heads import HEAD_FORMAT, HEAD_FORMAT_VERSION, HeadManifest, head_to_bin
from signport.core.manifest import BUNDLE_FORMAT, SCHEMA_VERSION, manifest_schema

REPO = Path(__file__).resolve().parents[2]
SWIFT_KIT = REPO / "ios_demo" / "SignportKit" / "Sources" / "SignportKit"
KOTLIN_APP = REPO / "android_demo" / "app" / "src" / "main" / "java" / "dev" / "signport" / "demo"

# ---------------------------------------------------------------- the contract, from signport.core


def _head_dict() -> dict:
    return HeadManifest(labels=["A", "B"], embedding_size=8, backbone_fingerprint="sha256:" + "0" * 64, model_family="landmarks").to_dict()


def manifest_scopes() -> dict[str, set[str]]:
    """App type name -> the keys signport writes for that JSON object."""
    schema = manifest_schema()
    head = _head_dict()
    return {
        "BundleManifest": set(schema["properties"]),
        "Preprocessing": set(schema["properties"]["preprocessing"]["properties"]),
        "HeadReference": set(schema["properties"]["head"]["properties"]),
        "Artifact": set(schema["$defs"]["artifact"]["properties"]),
        "TensorSpec": set(schema["$defs"]["tensor"]["properties"]),
        "TestVectorsBlock": set(schema["properties"]["test_vectors"]["properties"]),
        "VectorFile": set(schema["$defs"]["vector_file"]["properties"]),
        "HeadManifest": set(head),
        "BinLayout": set(head["bin_layout"]),
        "WeightLayout": set(head["bin_layout"]["weight"]),
        "BiasLayout": set(head["bin_layout"]["bias"]),
    }


# What the apps need to work at all: reading less means a feature silently uses a default.
MUST_READ = {
    "BundleManifest": {"format", "schema_version", "name", "model_family", "labels", "preprocessing",
                       "backbone_fingerprint", "embedding_size", "head", "artifacts"},
    "Preprocessing": {"input_kind", "input_size", "mean", "std", "color_order", "layout", "clip_length", "clip_fps",
                      "landmark_normalization"},
    "HeadReference": {"json", "bin", "num_classes", "embedding_size", "labels", "backbone_fingerprint", "sha256", "bin_layout"},
    "Artifact": {"id", "path", "format", "role", "precision", "delegate", "sha256", "inputs", "outputs"},
    "TensorSpec": {"name", "shape", "dtype"},
    # The apps check their backbone on the bundle's test vectors (parity on the phone).
    "TestVectorsBlock": {"count", "inputs", "embeddings", "logits"},
    "VectorFile": {"path", "shape", "sha256"},
    "HeadManifest": {"format", "format_version", "labels", "embedding_size", "backbone_fingerprint", "num_classes", "bin_layout"},
    "BinLayout": {"dtype", "byte_order", "weight", "bias", "total_bytes"},
    "WeightLayout": {"offset", "shape", "order"},
    "BiasLayout": {"offset", "shape"},
}


def bench_scopes() -> dict[str, set[str]]:
    schema = bench_result_schema()
    run = schema["properties"]["results"]["items"]
    return {
        "BenchReport": set(schema["properties"]),
        "BenchDevice": set(schema["properties"]["device"]["properties"]),
        "BenchRun": set(run["properties"]),
        "LatencySummary": set(schema["$defs"]["percentiles"]["properties"]),
        "TestVectorResult": set(schema["properties"]["test_vectors"]["items"]["properties"]),
        "HandStage": set(schema["properties"]["hand_stage"]["properties"]),
        "DeviceState": set(schema["properties"]["device_state"]["properties"]),
    }


def schema_enums() -> dict[str, set[str]]:
    schema = manifest_schema()
    return {
        "input_kind": set(schema["properties"]["preprocessing"]["properties"]["input_kind"]["enum"]),
        "layout": set(schema["properties"]["preprocessing"]["properties"]["layout"]["enum"]),
        "format": set(schema["$defs"]["artifact"]["properties"]["format"]["enum"]),
        "role": set(schema["$defs"]["artifact"]["properties"]["role"]["enum"]),
    }


# ---------------------------------------------------------------- reading the sources


def read_sources(folder: Path, suffix: str) -> str:
    return "\n".join(path.read_text() for path in sorted(folder.rglob(f"*{suffix}")))


def strip_comments(source: str) -> str:
    """Drop // and /* */ comments, keeping string literals (which may contain '//')."""
    pattern = re.compile(r'"(?:\\.|[^"\\\n])*"|//[^\n]*|/\*.*?\*/', re.S)
    return pattern.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "", source)


def blank_strings(source: str) -> str:
    """Same text with every string literal's content replaced by '_' (positions kept), so braces and
    keywords inside strings (Kotlin "${...}" templates, messages) cannot confuse the declaration scan."""
    return re.sub(r'"(?:\\.|[^"\\\n])*"', lambda m: '"' + "_" * (len(m.group(0)) - 2) + '"', source)


def type_bodies(source: str) -> list[tuple[str, int, int]]:
    """(name, body start, body end) for every struct/class/enum/object declaration, found by brace matching."""
    code = blank_strings(source)
    bodies = []
    for match in re.finditer(r"\b(?:struct|class|enum|object)\s+(\w+)[^{;]*?\{", code):
        depth, index = 1, match.end()
        while depth and index < len(code):
            depth += {"{": 1, "}": -1}.get(code[index], 0)
            index += 1
        bodies.append((match.group(1), match.end(), index))
    return bodies


def enclosing_type(bodies: list[tuple[str, int, int]], position: int, skip: tuple[str, ...] = ()) -> str | None:
    containing = [(end - start, name) for name, start, end in bodies if start <= position < end and name not in skip]
    return min(containing)[1] if containing else None


def swift_coding_keys(source: str) -> dict[str, set[str]]:
    """Type name -> JSON keys of its `enum CodingKeys` (`case a = "x"` -> x, `case b` -> b)."""
    source = strip_comments(source)
    bodies = type_bodies(source)
    keys: dict[str, set[str]] = {}
    for name, start, end in bodies:
        if name != "CodingKeys":
            continue
        owner = enclosing_type(bodies, start, skip=("CodingKeys",))
        found = set()
        for case in re.finditer(r"\bcase\s+([^\n]+)", source[start:end]):
            for item in case.group(1).split(","):
                raw = re.match(r'\s*(\w+)\s*(?:=\s*"([^"]+)")?', item)
                found.add(raw.group(2) or raw.group(1))
        keys[owner] = keys.get(owner, set()) | found
    return keys


def swift_string_enum(source: str, name: str) -> set[str]:
    """Raw values of `enum NAME: String ... { case a; case b = "B" }`."""
    source = strip_comments(source)
    for enum_name, start, end in type_bodies(source):
        if enum_name == name:
            values = set()
            for case in re.finditer(r"\bcase\s+([^\n]+)", source[start:end]):
                for item in case.group(1).split(","):
                    raw = re.match(r'\s*(\w+)\s*(?:=\s*"([^"]+)")?', item)
                    values.add(raw.group(2) or raw.group(1))
            return values
    return set()


KOTLIN_READ = re.compile(r'\b(?:get|opt)(?:String|Int|Long|Double|Boolean|JSONObject|JSONArray)?\(\s*"([^"]+)"|\b(?:isNull|has)\(\s*"([^"]+)"')
KOTLIN_WRITE = re.compile(r'\.put\(\s*"([^"]+)"')


def kotlin_json_keys(source: str, function: str, pattern: re.Pattern) -> dict[str, set[str]]:
    """Class name -> JSON keys used inside its `fun FUNCTION(...)` (fromJson reads, toJson writes)."""
    source = strip_comments(source)
    bodies = type_bodies(source)
    keys: dict[str, set[str]] = {}
    for function_match in re.finditer(rf"\bfun\s+{function}\s*\(", source):
        owner = enclosing_type(bodies, function_match.start())
        following = re.search(r"\n\s*(?:fun|companion|class|object|const|private|internal|override|data)\b|\Z", source[function_match.end():])
        body = source[function_match.end(): function_match.end() + following.start()]
        found = {next(group for group in match.groups() if group) for match in pattern.finditer(body)}
        keys[owner] = keys.get(owner, set()) | found
    return keys


def kotlin_constants(source: str, prefix: str) -> dict[str, str]:
    """`const val PREFIX_X = "value"` -> {PREFIX_X: value}, string templates of other constants resolved."""
    source = strip_comments(source)
    constants = dict(re.findall(r'const\s+val\s+(\w+)\s*=\s*"([^"]*)"', source))
    for name, value in constants.items():
        for _ in range(3):  # nested templates ("$DEVICE_FILES_DIR/bundles")
            value = re.sub(r"\$(\w+)", lambda m: constants.get(m.group(1), m.group(0)), value)
        constants[name] = value
    return {name: value for name, value in constants.items() if name.startswith(prefix)}


# ---------------------------------------------------------------- checks (return problems)


def check_key_scopes(found: dict[str, set[str]], reference: dict[str, set[str]], must: dict[str, set[str]] | None, app: str) -> list[str]:
    problems = []
    for scope, allowed in reference.items():
        if scope not in found:
            problems.append(f"{app}: no JSON keys found for {scope}")
            continue
        unknown = found[scope] - allowed
        if unknown:
            problems.append(f"{app}: {scope} uses keys signport never writes: {sorted(unknown)}")
        missing = (must or {}).get(scope, set()) - found[scope]
        if missing:
            problems.append(f"{app}: {scope} does not read {sorted(missing)}")
    return problems


def check_exact_keys(found: dict[str, set[str]], reference: dict[str, set[str]], app: str, what: str) -> list[str]:
    return [
        f"{app}: {scope} {what} {sorted(found.get(scope, set()))}, the Python side has {sorted(keys)}"
        for scope, keys in reference.items()
        if found.get(scope) != keys
    ]


def evaluate_size_formula(expression: str, constants: dict[str, int], num_classes: int, embedding_size: int) -> int:
    """Evaluate an app's `numClasses * embeddingSize * BYTES` style expression (arithmetic on names only)."""
    names = {"numClasses": num_classes, "embeddingSize": embedding_size, **constants}

    def value(node: ast.AST) -> int:
        if isinstance(node, ast.Expression):
            return value(node.body)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult)):
            left, right = value(node.left), value(node.right)
            return left + right if isinstance(node.op, ast.Add) else left * right
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.Name) and node.id in names:
            return names[node.id]
        raise ValueError(f"unsupported term {ast.dump(node)} in {expression!r}")

    return value(ast.parse(expression, mode="eval"))


HEAD_SHAPES = [(29, 1280), (26, 128), (3, 4), (600, 1280)]


def check_bin_formulas(formulas: dict[str, str], constants: dict[str, int], app: str) -> list[str]:
    """The apps' bias offset and total size agree with HeadManifest.bin_layout and head_to_bin's bytes."""
    problems = []
    for classes, features in HEAD_SHAPES:
        layout = HeadManifest(labels=[str(i) for i in range(classes)], embedding_size=features, backbone_fingerprint="x", model_family="landmarks").bin_layout()
        actual_bytes = len(head_to_bin(np.zeros((classes, features), np.float32), np.zeros(classes, np.float32)))
        expected = {"biasOffset": layout["bias"]["offset"], "totalBytes": actual_bytes}
        assert layout["total_bytes"] == actual_bytes
        for name, want in expected.items():
            if name not in formulas:
                problems.append(f"{app}: no {name} formula found")
                continue
            got = evaluate_size_formula(formulas[name], constants, classes, features)
            if got != want:
                problems.append(f"{app}: {name} = {formulas[name]} gives {got} for {classes}x{features}, signport writes {want}")
    return problems


def swift_bin_formulas(source: str) -> tuple[dict[str, str], dict[str, int]]:
    source = strip_comments(source)
    formulas = {
        name: expression.strip()
        for name, expression in re.findall(r"func\s+(biasOffset|totalBytes)\s*\([^)]*\)\s*->\s*Int\s*\{\s*(?:return\s+)?([^}]+)\}", source)
    }
    constants = {name: int(value) for name, value in re.findall(r"static\s+let\s+(bytesPerValue)\s*=\s*(\d+)", source)}
    return formulas, constants


def kotlin_bin_formulas(source: str) -> tuple[dict[str, str], dict[str, int]]:
    source = strip_comments(source)
    formulas = {name: expression.strip() for name, expression in re.findall(r"fun\s+(biasOffset|totalBytes)\s*\([^)]*\)\s*:\s*Int\s*=\s*([^\n]+)", source)}
    constants = {name: int(value) for name, value in re.findall(r"const\s+val\s+(BYTES_PER_VALUE)\s*=\s*(\d+)", source)}
    return formulas, constants


# ---------------------------------------------------------------- tests on the real sources


@pytest.fixture(scope="module")
def swift() -> str:
    return read_sources(SWIFT_KIT, ".swift")


@pytest.fixture(scope="module")
def kotlin() -> str:
    return read_sources(KOTLIN_APP, ".kt")


def test_swift_reads_only_manifest_and_head_keys_signport_writes(swift):
    assert check_key_scopes(swift_coding_keys(swift), manifest_scopes(), MUST_READ, "Swift") == []


def test_kotlin_reads_only_manifest_and_head_keys_signport_writes(kotlin):
    assert check_key_scopes(kotlin_json_keys(kotlin, "fromJson", KOTLIN_READ), manifest_scopes(), MUST_READ, "Kotlin") == []


def test_swift_writes_heads_with_every_head_manifest_key(swift):
    """On-device fine-tuning writes NAME.json; HeadManifest.from_dict (and swap-head) must read it back."""
    scopes = {name: keys for name, keys in manifest_scopes().items() if name in ("HeadManifest", "BinLayout", "WeightLayout", "BiasLayout")}
    assert check_exact_keys(swift_coding_keys(swift), scopes, "Swift", "encodes") == []


def test_bench_results_written_by_both_apps_have_the_schema_keys(swift, kotlin):
    assert check_exact_keys(swift_coding_keys(swift), bench_scopes(), "Swift", "writes") == []
    assert check_exact_keys(kotlin_json_keys(kotlin, "toJson", KOTLIN_WRITE), bench_scopes(), "Kotlin", "writes") == []


def test_enum_values_match_the_manifest_schema(swift, kotlin):
    enums = schema_enums()
    assert swift_string_enum(swift, "InputKind") == enums["input_kind"]
    assert swift_string_enum(swift, "Layout") == enums["layout"]
    assert swift_string_enum(swift, "Format") == enums["format"]
    assert swift_string_enum(swift, "Role") == enums["role"]
    assert set(kotlin_constants(kotlin, "INPUT_KIND_").values()) == enums["input_kind"]
    assert set(kotlin_constants(kotlin, "LAYOUT_").values()) == enums["layout"]
    assert set(kotlin_constants(kotlin, "FORMAT_").values()) == enums["format"]
    assert set(kotlin_constants(kotlin, "ROLE_").values()) == enums["role"]


def test_format_names_and_versions_match_signport(swift, kotlin):
    swift_clean = strip_comments(swift)
    assert re.findall(r'static let expectedFormat = "([^"]+)"', swift_clean) == [BUNDLE_FORMAT, HEAD_FORMAT]
    assert re.findall(r"static let supportedSchemaVersion = (\d+)", swift_clean) == [str(SCHEMA_VERSION)]
    assert re.findall(r"static let supportedFormatVersion = (\d+)", swift_clean) == [str(HEAD_FORMAT_VERSION)]
    kotlin_clean = strip_comments(kotlin)
    assert re.findall(r'const val EXPECTED_FORMAT = "([^"]+)"', kotlin_clean) == [BUNDLE_FORMAT, HEAD_FORMAT]
    assert re.findall(r"const val SUPPORTED_SCHEMA_VERSION = (\d+)", kotlin) == [str(SCHEMA_VERSION)]
    assert re.findall(r"const val SUPPORTED_FORMAT_VERSION = (\d+)", kotlin) == [str(HEAD_FORMAT_VERSION)]


def test_head_bin_offsets_match_head_to_bin(swift, kotlin):
    assert check_bin_formulas(*swift_bin_formulas(swift), "Swift") == []
    assert check_bin_formulas(*kotlin_bin_formulas(kotlin), "Kotlin") == []


def test_head_bin_is_read_little_endian_weight_first_row_major(swift, kotlin):
    swift_clean, kotlin_clean = strip_comments(swift), strip_comments(kotlin)
    assert "UInt32(littleEndian:" in swift_clean and "bigEndian" not in swift_clean
    assert "ByteOrder.LITTLE_ENDIAN" in kotlin_clean and "BIG_ENDIAN" not in kotlin_clean
    assert re.search(r"WeightLayout\(offset:\s*0,", swift_clean) and re.search(r"WeightLayout\(offset\s*=\s*0,", kotlin_clean)
    # weight is (numClasses x embeddingSize), row-major: row = class, column = embedding index
    assert re.search(r"matrixVector\(weight,\s*rows:\s*numClasses,\s*columns:\s*embeddingSize", swift_clean)
    assert re.search(r"weight\[row \* embeddingSize \+ column\]", kotlin_clean)


def test_fingerspelling_keys_are_signport_labels(swift, kotlin):
    wanted = {"space": core_labels.SPACE, "del": core_labels.DELETE, "nothing": core_labels.NOTHING}
    swift_keys = dict(re.findall(r'static let (space|delete|nothing)Label = "([^"]+)"', swift))
    kotlin_keys = dict(re.findall(r'const val (SPACE|DELETE|NOTHING)_LABEL = "([^"]+)"', kotlin))
    assert swift_keys == {"space": wanted["space"], "delete": wanted["del"], "nothing": wanted["nothing"]}
    assert kotlin_keys == {"SPACE": wanted["space"], "DELETE": wanted["del"], "NOTHING": wanted["nothing"]}


VISION_TO_MEDIAPIPE = {
    "wrist": "WRIST", "thumbCMC": "THUMB_CMC", "thumbMP": "THUMB_MCP", "thumbIP": "THUMB_IP", "thumbTip": "THUMB_TIP",
    **{f"{finger}{joint}": f"{name}_{joint.upper()}" for finger, name in
       (("index", "INDEX_FINGER"), ("middle", "MIDDLE_FINGER"), ("ring", "RING_FINGER"), ("little", "PINKY"))
       for joint in ("MCP", "PIP", "DIP", "Tip")},
}


def test_vision_joints_map_one_to_one_onto_mediapipe_landmarks(swift):
    from mediapipe.tasks.python.vision.hand_landmarker import HandLandmark

    mediapipe_order = [landmark.name for landmark in sorted(HandLandmark, key=int)]
    block = re.search(r"jointsInMediaPipeOrder[^=]*=\s*\[(.*?)\]", strip_comments(swift), re.S).group(1)
    joints = re.findall(r"\.(\w+)", block)
    assert [VISION_TO_MEDIAPIPE[joint] for joint in joints] == mediapipe_order
    names = re.findall(r'"(\w+)"', re.search(r"mediaPipeOrder = \[(.*?)\]", swift, re.S).group(1))
    assert names == mediapipe_order
    assert mediapipe_order[core_preprocessing.WRIST] == "WRIST" and mediapipe_order[core_preprocessing.MIDDLE_MCP] == "MIDDLE_FINGER_MCP"


def test_android_bench_contract_is_restated_in_readme_and_build(kotlin):
    contract = kotlin_constants(kotlin, "")
    readme = (REPO / "android_demo" / "README.md").read_text()
    for name in ("PACKAGE_NAME", "BENCHMARK_ACTIVITY", "COMPONENT", "EXTRA_BUNDLE", "EXTRA_ITERATIONS", "EXTRA_WARMUP",
                 "EXTRA_THREADS", "EXTRA_OUT", "EXTRA_ARTIFACT", "EXTRA_HAND_IMAGE", "BUNDLES_DIR", "HEADS_DIR", "DEFAULT_OUT", "ERROR_SUFFIX",
                 "LOG_TAG", "DONE_LOG_PREFIX"):
        assert contract[name].strip() in readme, f"BenchContract.{name} = {contract[name]!r} is not in android_demo/README.md"
    build = (REPO / "android_demo" / "app" / "build.gradle.kts").read_text()
    assert f'applicationId = "{contract["PACKAGE_NAME"]}"' in build
    manifest = (REPO / "android_demo" / "app" / "src" / "main" / "AndroidManifest.xml").read_text()
    activity = re.escape(contract["BENCHMARK_ACTIVITY"])
    assert re.search(rf'android:name="{activity}"\s+android:exported="true"', manifest)


def test_android_executorch_runtime_matches_the_exporter_pin():
    """A .pte is only guaranteed to load in the runtime version that wrote it."""
    catalog = tomllib.loads((REPO / "android_demo" / "gradle" / "libs.versions.toml").read_text())
    pins = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    exporter = next(p.split("==")[1].split()[0] for p in pins if p.startswith("executorch=="))
    assert catalog["versions"]["executorch"] == exporter


def test_ios_benchmark_launch_arguments_are_documented():
    options = (REPO / "ios_demo" / "SignportDemo" / "LaunchOptions.swift").read_text()
    keys = set(re.findall(r'forKey: "(\w+)"', options))
    assert keys == {"benchmark", "iterations", "warmup", "computeUnits", "benchmarkOut", "bundle", "backends"}
    readme = (REPO / "ios_demo" / "README.md").read_text()
    assert all(f"-{key}" in readme for key in keys)


def test_example_bench_results_validate():
    run = {"artifact_id": "backbone-executorch-int8", "runtime": "executorch", "compute_units": None, "threads": 4,
           "latency_ms": latency_summary([1.0, 2.0, 3.0, 4.0]), "fps": 400.0, "load_ms": 12.0, "iterations": 4, "warmup": 2}
    result = {"device": {"name": "Google Pixel 8", "os": "Android 14 (API 34)", "kind": "android"}, "bundle": "asl-letters",
              "created": "2025-01-01T00:00:00Z", "results": [run]}
    validate_bench_result(result)
    assert run["latency_ms"]["p90"] == pytest.approx(3.7)  # linear interpolation, as both apps compute it
    from signport.core.errors import InputError

    with pytest.raises(InputError, match="threads"):
        validate_bench_result({**result, "results": [{k: v for k, v in run.items() if k != "threads"}]})


# ---------------------------------------------------------------- the checks can fail


def test_renamed_swift_key_is_caught(swift):
    broken = swift.replace('case inputKind = "input_kind"', 'case inputKind = "inputKind"')
    assert broken != swift
    problems = check_key_scopes(swift_coding_keys(broken), manifest_scopes(), MUST_READ, "Swift")
    assert any("inputKind" in p for p in problems) and any("does not read ['input_kind']" in p for p in problems)


def test_renamed_kotlin_key_is_caught(kotlin):
    broken = kotlin.replace('json.getString("backbone_fingerprint")', 'json.getString("backboneFingerprint")', 1)
    assert broken != kotlin
    assert any("backboneFingerprint" in p for p in check_key_scopes(kotlin_json_keys(broken, "fromJson", KOTLIN_READ), manifest_scopes(), MUST_READ, "Kotlin"))


def test_wrong_bias_offset_formula_is_caught(swift, kotlin):
    formulas, constants = kotlin_bin_formulas(kotlin)
    assert check_bin_formulas({**formulas, "biasOffset": "numClasses * embeddingSize"}, constants, "Kotlin")
    formulas, constants = swift_bin_formulas(swift)
    assert check_bin_formulas({**formulas, "totalBytes": "(numClasses * embeddingSize) * bytesPerValue"}, constants, "Swift")


def test_missing_bench_key_is_caught(kotlin):
    broken = kotlin.replace('.put("load_ms", loadMs)', "")
    assert broken != kotlin
    assert check_exact_keys(kotlin_json_keys(broken, "toJson", KOTLIN_WRITE), bench_scopes(), "Kotlin", "writes")



def test_ios_backbone_backends_are_the_bench_contracts_and_all_load(swift):
    """The runtime switch: the UI picker and `-backends` offer exactly the backends the bench asks for,
    and the app's loader builds each one."""
    from signport.device_bench import demo_contract

    assert swift_string_enum(swift, "BackboneBackend") == set(demo_contract.IOS_BACKENDS)
    loader = strip_comments((REPO / "ios_demo" / "SignportDemo" / "BackboneLoader.swift").read_text())
    assert all(case in loader for case in ("case .coreml", ".executorchXNNPACK", ".executorchCoreML"))
    assert "ExecuTorchBackbone(" in loader and "CoreMLBackbone(" in loader
    package = (REPO / "ios_demo" / "SignportKit" / "Package.swift").read_text()
    assert all(f'"{product}"' in package for product in ("executorch", "backend_xnnpack", "backend_coreml"))
    pinned = re.search(r'executorchVersion = "([^"]+)"', package).group(1)
    assert f"executorch=={pinned}" in (REPO / "pyproject.toml").read_text()


def test_both_apps_check_the_bundles_test_vectors(swift, kotlin):
    """Parity on the phone: each benchmark mode reads test_vectors and reports agreement and max |Δ|."""
    runner = strip_comments((REPO / "ios_demo" / "SignportDemo" / "BenchmarkRunner.swift").read_text())
    assert "TestVectors(bundle:" in runner and "checkVectors(" in runner and "testVectors:" in runner
    activity = strip_comments((KOTLIN_APP / "BenchmarkActivity.kt").read_text())
    assert "TestVectors.load(bundle)" in activity and "checkVectors(" in activity and "timeHandStage(" in activity
    for source in (swift, kotlin):
        assert "top1_agreement" in source and "max_abs_delta" in source


def test_android_builds_from_a_fresh_clone_with_the_pinned_hand_model():
    """Wrapper committed, tasks-vision new enough for 16 KB pages, and the Gradle hand-model check pins
    exactly the networks signport's landmarks come from (signport.hands.model_file)."""
    from signport.hands.model_file import BUILT_TASK_SHA256, GOOGLE_TASK_URL, TASK_MEMBERS

    android = REPO / "android_demo"
    assert (android / "gradlew").stat().st_mode & 0o111 and (android / "gradlew.bat").is_file()
    assert (android / "gradle" / "wrapper" / "gradle-wrapper.jar").stat().st_size > 10_000
    versions = tomllib.loads((android / "gradle" / "libs.versions.toml").read_text())["versions"]
    assert tuple(int(p) for p in versions["mediapipeTasks"].split(".")) >= (0, 10, 26)
    build = (android / "app" / "build.gradle.kts").read_text()
    assert f'builtTaskSha256 = "{BUILT_TASK_SHA256}"' in build and GOOGLE_TASK_URL in build
    for member in TASK_MEMBERS:
        assert f'"{member.name}" to "{member.sha256}"' in build
    assert 'tasks.named("preBuild") { dependsOn(fetchHandModel) }' in build
