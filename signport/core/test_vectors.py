"""Test vectors: a few inputs of a bundle with the eager PyTorch outputs, so any runtime (this
host's, or ExecuTorch / Core ML inside the phone apps) can check its parity where it runs.

Layout (manifest key "test_vectors"; every file little-endian float32, row-major, no header, so
Swift and Kotlin read them with one bulk copy):

    test_vectors/inputs.bin      (count, *input_shape)    preprocessed model inputs
    test_vectors/embeddings.bin  (count, embedding_size)  eager backbone output
    test_vectors/logits.bin      (count, num_classes)     eager logits with the bundle's current head

A backbone artifact is checked through head.bin against logits.bin (what the apps compose), a
head artifact on embeddings.bin, a fused model on inputs.bin. swap-head rewrites logits.bin for
the new head (the embeddings do not change). The apps report the result through the bench result
schema ("test_vectors": top-1 agreement and max |Δlogit|), and `signport bench --device` fails
the verdict when it misses the bundle's thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from signport.core.errors import BundleError
from signport.core.fingerprint import file_sha256

FOLDER = "test_vectors"
TENSORS = ("inputs", "embeddings", "logits")
MAX_INPUT_BYTES = 2 * 2**20  # keeps image and clip bundles small: 8 landmark rows, 2-8 images, 2 clips
MAX_COUNT, MIN_COUNT = 8, 2


@dataclass(frozen=True)
class TestVectors:
    __test__ = False  # not a pytest class

    inputs: np.ndarray
    embeddings: np.ndarray
    logits: np.ndarray


def vector_count(sample_shape: tuple[int, ...], available: int) -> int:
    sample_bytes = 4 * int(np.prod(sample_shape))
    return int(min(available, max(MIN_COUNT, min(MAX_COUNT, MAX_INPUT_BYTES // sample_bytes))))


def write_test_vectors(directory: Path, vectors: TestVectors, source: str) -> dict:
    """Write the three .bin files under `directory`/test_vectors; returns the manifest block."""
    folder = Path(directory) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    block = {"count": int(len(vectors.inputs)), "dtype": "float32", "byte_order": "little",
             "reference": "PyTorch eager fp32 (the source checkpoint)", "source": source}
    for name in TENSORS:
        block[name] = _write_tensor(Path(directory), f"{FOLDER}/{name}.bin", getattr(vectors, name))
    return block


def _write_tensor(directory: Path, relative: str, array: np.ndarray) -> dict:
    array = np.ascontiguousarray(array, dtype="<f4")
    target = directory / relative
    # A staged bundle hard-links unchanged files to the live bundle's: write a new file, never into the shared one.
    target.unlink(missing_ok=True)
    target.write_bytes(array.tobytes())
    return {"path": relative, "shape": list(array.shape), "sha256": file_sha256(directory / relative)}


def rewrite_logits(directory: Path, block: dict, weight: np.ndarray, bias: np.ndarray) -> dict:
    """After a head swap: logits.bin recomputed from the stored embeddings with the new head."""
    vectors = read_test_vectors(directory, block)
    logits = vectors.embeddings.astype(np.float64) @ np.asarray(weight, np.float64).T + np.asarray(bias, np.float64)
    return {**block, "logits": _write_tensor(Path(directory), block["logits"]["path"], logits.astype(np.float32))}


def read_test_vectors(directory: Path, block: dict | None) -> TestVectors:
    """The bundle's vectors, checked against the manifest's shapes and sha256s."""
    if not block:
        raise BundleError(f"{directory}: this bundle has no test vectors; re-export it with this signport")
    arrays = {}
    for name in TENSORS:
        entry = block[name]
        path = Path(directory) / entry["path"]
        if not path.is_file():
            raise BundleError(f"{path} is listed in the manifest's test_vectors but missing; re-export the bundle")
        if file_sha256(path) != entry["sha256"]:
            raise BundleError(f"{path} does not match the manifest's sha256; it was modified after export: re-export the bundle")
        raw = np.frombuffer(path.read_bytes(), dtype="<f4")
        if raw.size != int(np.prod(entry["shape"])):
            raise BundleError(f"{path}: {raw.size} floats, the manifest says {entry['shape']}; re-export the bundle")
        arrays[name] = raw.reshape(entry["shape"]).astype(np.float32)
    return TestVectors(**arrays)


def vector_files(block: dict | None) -> list[tuple[str, str]]:
    """(relative path, sha256) of every vector file, for the bundle's file list and integrity check."""
    return [(block[name]["path"], block[name]["sha256"]) for name in TENSORS] if block else []


def vector_agreement(expected_logits: np.ndarray, actual_logits: np.ndarray) -> dict:
    """Top-1 agreement and max |Δlogit| (absolute and relative to the expected logit range), the
    numbers the apps report for their vectors."""
    expected, actual = np.asarray(expected_logits, np.float64), np.asarray(actual_logits, np.float64)
    if expected.shape != actual.shape:
        raise BundleError(f"test vectors: output shape {actual.shape} != expected {expected.shape}")
    delta = float(np.abs(expected - actual).max())
    span = float(expected.max() - expected.min()) or 1.0
    return {"count": int(len(expected)), "top1_agreement": float(np.mean(expected.argmax(1) == actual.argmax(1))),
            "max_abs_delta": delta, "max_abs_delta_rel_range": delta / span}
