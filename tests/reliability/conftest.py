"""Tiny real inputs for the reliability suite: a landmark checkpoint (untrained: these tests are
about what the CLI does with bad input, not accuracy), a landmark data file, an ONNX-only bundle
exported from the checkpoint, and a compatible head. Built once per session; tests that change a
bundle work on a copy."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))

from reliability_inputs import LABELS, write_landmarks  # noqa: E402

from signport.cli import main  # noqa: E402
from signport.core.checkpoint import CheckpointMeta, save_checkpoint  # noqa: E402
from signport.core.heads import save_head  # noqa: E402

ARCH_ARGS = {"hidden": [16, 8], "dropout": 0.0}
# What an interrupted or failed atomic operation may leave beside its target.
LEFTOVER_MARKERS = (".staging-", ".retired-", ".tmp")


def tiny_model(seed: int = 0):
    from signport.models import build_model

    torch.manual_seed(seed)
    return build_model("landmarks", len(LABELS), **ARCH_ARGS).eval()


@pytest.fixture(scope="session")
def checkpoint(tmp_path_factory) -> Path:
    from signport.models import backbone_fingerprint
    from signport.models.registry import model_preprocessing

    model = tiny_model()
    return save_checkpoint(tmp_path_factory.mktemp("ckpt") / "landmarks", model.state_dict(), CheckpointMeta(
        architecture="landmarks", arch_args=ARCH_ARGS, labels=LABELS,
        preprocessing=model_preprocessing("landmarks", **ARCH_ARGS).to_dict(),
        backbone_fingerprint=backbone_fingerprint(model), embedding_size=model.embedding_size))


@pytest.fixture(scope="session")
def landmarks_file(tmp_path_factory) -> Path:
    return write_landmarks(tmp_path_factory.mktemp("data") / "landmarks.npz")


@pytest.fixture(scope="session")
def bundle(tmp_path_factory, checkpoint) -> Path:
    """ONNX fp32 backbone + head, no fused model: the cheapest real bundle."""
    out = tmp_path_factory.mktemp("bundles") / "bundle"
    assert main(["export", "--from", str(checkpoint), "--out", str(out), "--formats", "onnx", "--no-fused",
                 "--parity-samples", "16", "--threads", "1", "--no-progress"]) == 0
    return out


@pytest.fixture(scope="session")
def new_head(tmp_path_factory, checkpoint) -> Path:
    """A head for the same backbone and labels with other weights: what `signport finetune` writes."""
    from signport.models.head_io import head_from_model
    from signport.models import model_from_checkpoint

    model, meta = model_from_checkpoint(checkpoint)
    with torch.no_grad():
        model.head.fc.weight.mul_(-1.0)
    head = head_from_model(model, LABELS, fingerprint=meta.backbone_fingerprint, source={"kind": "finetune"})
    return save_head(tmp_path_factory.mktemp("heads") / "alice", head)


@pytest.fixture
def bundle_copy(bundle, tmp_path) -> Path:
    shutil.copytree(bundle, tmp_path / "bundle")
    return tmp_path / "bundle"


def leftovers(folder: Path) -> list[str]:
    """Staging, retired or temporary files anywhere under `folder`."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if any(m in p.name for m in LEFTOVER_MARKERS))


@pytest.fixture
def cli(capsys):
    """cli(*argv) -> (exit code, stdout, stderr) of the real `signport` entry point, in this process."""

    def run(*argv) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def fails_cleanly(cli, tmp_path):
    """fails_cleanly(*argv, names=...) runs a command that must be refused: exit 2, exactly one line
    on stderr naming what is wrong (a flag or a file), no traceback, and nothing half-written under
    tmp_path. Returns the error line."""

    def run(*argv, names: str | list[str]) -> str:
        before = set(tmp_path.rglob("*"))
        code, _, err = cli(*argv)
        lines = err.strip().splitlines()
        assert code == 2, (code, err)
        assert len(lines) == 1, err
        assert "Traceback" not in err
        for name in [names] if isinstance(names, str) else names:
            assert name in lines[0], (name, lines[0])
        created = sorted(str(p) for p in set(tmp_path.rglob("*")) - before)
        assert not leftovers(tmp_path), leftovers(tmp_path)
        assert not [p for p in created if "/out" in p], created  # a refused command writes no output
        return lines[0]

    return run
