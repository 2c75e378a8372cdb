"""Per-operator profiles for `signport bench --profile-ops`: where the time of one inference goes.

ExecuTorch: the .pte runs with ETDump enabled and ExecuTorch's Inspector reads the events back,
with the ETRecord written at export (names the layers behind delegate calls). XNNPACK reports one
event per operator inside its delegate ("Convolution (NHWC, F32) IGEMM #3"), so fp32 and int8
can be compared layer by layer. ONNX Runtime: its built-in profiler (a Chrome-trace JSON), one
event per node. Both come back in one shape: operator types ranked by time, plus the compute
layers (convolutions, fully connected) in execution order for the fp32-vs-int8 plot.
"""

from __future__ import annotations

import json
import re
import tempfile
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from signport.core.native_stderr import quiet_native_stderr

# Runtime bookkeeping events that wrap the operators (their time is the sum of the others).
WRAPPER_EVENTS = {"Method::execute", "Method::init", "Program::load_method", "DELEGATE_CALL"}
# Operator families that carry the model's MACs: the per-layer plot follows these in order.
COMPUTE_KINDS = ("Convolution", "Fully Connected", "Conv", "ConvInteger", "QLinearConv", "Gemm", "MatMul",
                 "FusedConv", "QLinearMatMul", "MatMulInteger")


@dataclass
class OperatorRow:
    """One operator type: its total time per inference over all its instances."""

    operator: str
    count: int
    ms: float
    share: float
    delegated: bool
    backend: str


@dataclass
class OpProfile:
    artifact_id: str
    runtime: str
    iterations: int
    total_ms: float  # per inference: Method::execute (ExecuTorch) or the sum of node times (ONNX Runtime)
    operators: list[OperatorRow]
    layers: list[tuple[str, float]] = field(default_factory=list)  # compute layers in execution order: (event, ms)
    undelegated: list[str] = field(default_factory=list)  # operators on portable kernels (outside any delegate)
    note: str = ""

    def to_dict(self) -> dict:
        return {**asdict(self), "layers": [list(layer) for layer in self.layers]}


def operator_kind(event_name: str) -> str:
    """'Convolution (NHWC, F32) IGEMM #12' -> 'Convolution (NHWC, F32) IGEMM' (one row per kernel kind)."""
    return re.sub(r"\s+#\d+$", "", event_name).strip()


def is_compute(kind: str) -> bool:
    return kind.startswith(COMPUTE_KINDS)


def rank_operators(events: list[tuple[str, float, bool, str]], total_ms: float) -> list[OperatorRow]:
    """Operator types by total time per inference, from (event name, ms, delegated, backend) events (pure)."""
    grouped: dict[str, list] = {}
    for name, ms, delegated, backend in events:
        row = grouped.setdefault(operator_kind(name), [0, 0.0, delegated, backend])
        row[0] += 1
        row[1] += ms
    rows = [OperatorRow(kind, n, ms, ms / total_ms if total_ms > 0 else 0.0, delegated, backend)
            for kind, (n, ms, delegated, backend) in grouped.items()]
    return sorted(rows, key=lambda r: -r.ms)


# ---------------------------------------------------------------- ExecuTorch

def executorch_profile(artifact_id: str, pte: Path, etrecord: Path | None, x: np.ndarray, threads: int,
                       iterations: int = 20) -> OpProfile:
    """Run `pte` `iterations` times on one input with ETDump on; Inspector's p50 per event."""
    import torch
    from executorch.devtools import Inspector
    from executorch.runtime import Runtime

    from signport.runtime.executorch_runner import set_executorch_threads

    set_executorch_threads(threads)
    batch = torch.from_numpy(np.ascontiguousarray(x[:1], np.float32))
    with tempfile.TemporaryDirectory(prefix="signport-etdump-") as tmp:
        etdump = Path(tmp) / "run.etdp"
        with quiet_native_stderr():
            program = Runtime.get().load_program(str(pte), enable_etdump=True, debug_buffer_size=0)
            method = program.load_method("forward")
            for _ in range(iterations):
                method.execute([batch])
            program.write_etdump_result_to_file(str(etdump), str(Path(tmp) / "debug.bin"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Inspector warns about every kwarg it cannot pretty-print
            inspector = Inspector(etdump_path=str(etdump), etrecord=str(etrecord) if etrecord and etrecord.is_file() else None)
    execute = [e for e in _events(inspector) if e.name == "Method::execute"]
    total = _p50(execute[0]) if execute else 0.0
    events, layers, undelegated = [], [], []
    for event in _events(inspector):
        if event.name in WRAPPER_EVENTS or event.perf_data is None:
            continue
        delegated = bool(event.is_delegated_op)
        backend = event.delegate_backend_name or ("portable kernels" if not delegated else "")
        events.append((event.name, _p50(event), delegated, backend))
        if not delegated:
            undelegated.append(event.name)
        if is_compute(operator_kind(event.name)):
            layers.append((event.name, _p50(event)))
    note = ("" if etrecord and etrecord.is_file()
            else "no ETRecord beside the .pte (re-export with signport >= this version): events are not mapped to layers")
    return OpProfile(artifact_id, "executorch", iterations, total, rank_operators(events, total), layers,
                     sorted(set(undelegated)), note)


def _events(inspector):
    for block in inspector.event_blocks:
        if block.name == "Execute":
            yield from block.events


def _p50(event) -> float:
    return float(event.perf_data.p50)


# ---------------------------------------------------------------- ONNX Runtime

def onnx_profile(artifact_id: str, model: Path, x: np.ndarray, threads: int, iterations: int = 20) -> OpProfile:
    """ONNX Runtime's own profiler over `iterations` runs (after one unprofiled warm-up session is
    not possible: the profiler covers the session's life, so the first run is dropped here)."""
    import onnxruntime as ort

    with tempfile.TemporaryDirectory(prefix="signport-ortprof-") as tmp:
        options = ort.SessionOptions()
        options.enable_profiling = True
        options.profile_file_prefix = str(Path(tmp) / "ort")
        options.intra_op_num_threads = threads
        session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        name = session.get_inputs()[0].name
        batch = np.ascontiguousarray(x[:1], np.float32)
        for _ in range(iterations + 1):
            session.run(None, {name: batch})
        trace = json.loads(Path(session.end_profiling()).read_text())
    return onnx_profile_from_trace(artifact_id, trace, iterations)


def onnx_profile_from_trace(artifact_id: str, trace: list[dict], iterations: int) -> OpProfile:
    """Per-operator times from an ONNX Runtime profile trace; the first run (warm-up) is dropped (pure)."""
    runs = [e for e in trace if e.get("cat") == "Session" and e.get("name") == "model_run"]
    first_end = runs[0]["ts"] + runs[0]["dur"] if len(runs) > 1 else -1
    nodes = [e for e in trace if e.get("cat") == "Node" and e.get("name", "").endswith("_kernel_time") and e["ts"] > first_end]
    counted = max(1, len(runs) - 1) if len(runs) > 1 else max(1, iterations)
    events, per_node = [], {}
    for e in nodes:
        key = e["name"][: -len("_kernel_time")]
        per_node.setdefault(key, [e["args"].get("op_name", key), 0.0, e["args"].get("provider", "")])[1] += e["dur"] / 1000.0
    for op, ms, provider in per_node.values():
        events.append((op, ms / counted, True, provider))
    total = sum(ms for _, ms, _, _ in events)
    layers = [(f"{op} {node}", ms / counted) for node, (op, ms, _) in per_node.items() if is_compute(op)]
    return OpProfile(artifact_id, "onnxruntime", counted, total, rank_operators(events, total), layers)


# ---------------------------------------------------------------- the bench's entry point

def profile_artifacts(bundle, threads: int, x: np.ndarray, iterations: int = 20) -> list[dict]:
    """Profiles of every backbone/model artifact this host can run (ExecuTorch XNNPACK and ONNX),
    as dicts for the run record; failures become rows with an error, never a crash."""
    from signport.device_bench.runtimes import unavailable_reason

    profiles = []
    for artifact in bundle.artifacts:
        if artifact["role"] == "head" or artifact["format"] not in ("executorch", "onnx"):
            continue
        if unavailable_reason(artifact["format"], artifact.get("delegate")):
            continue
        path = bundle.root / artifact["path"]
        try:
            if artifact["format"] == "executorch":
                etrecord = bundle.root / artifact["etrecord"] if artifact.get("etrecord") else None
                profile = executorch_profile(artifact["id"], path, etrecord, x, threads, iterations)
            else:
                profile = onnx_profile(artifact["id"], path, x, threads, iterations)
            profiles.append({**profile.to_dict(), "precision": artifact["precision"], "role": artifact["role"], "status": "ok"})
        except Exception as e:  # a profile that cannot be taken is a row with its reason
            profiles.append({"artifact_id": artifact["id"], "precision": artifact["precision"], "role": artifact["role"],
                             "runtime": artifact["format"], "status": "error", "error": f"{type(e).__name__}: {e}"})
    return profiles
