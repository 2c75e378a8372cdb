import pytest
import torch

from signport.core.checkpoint import CheckpointMeta, save_checkpoint
from signport.core.errors import CheckpointError
from signport.models import backbone_fingerprint, build_model, model_from_checkpoint
from signport.models.registry import model_preprocessing


def _save(model, name, args, path):
    meta = CheckpointMeta(
        architecture=name, arch_args=args, labels=[f"c{i}" for i in range(model.head.fc.out_features)],
        preprocessing=model_preprocessing(name, **args).to_dict(), backbone_fingerprint=backbone_fingerprint(model),
        embedding_size=model.embedding_size,
    )
    save_checkpoint(path, model.state_dict(), meta)


@pytest.mark.parametrize("name,args,shape", [
    ("mobilenet_v2", {"width": 0.35, "input_size": 64}, (2, 3, 64, 64)),
    ("mobilenet_v2", {"width": 0.35, "input_size": 64, "channel_attention": True}, (2, 3, 64, 64)),
    ("mobilenet_v2_3d", {"width": 0.25, "input_size": 32, "clip_length": 8}, (2, 3, 8, 32, 32)),
    ("landmarks", {"hidden": [32, 16]}, (2, 63)),
])
def test_checkpoint_round_trip_gives_identical_logits(tmp_path, name, args, shape):
    torch.manual_seed(0)
    model = build_model(name, 5, **args).eval()
    x = torch.randn(shape)
    _save(model, name, args, tmp_path / "ckpt")
    loaded, meta = model_from_checkpoint(tmp_path / "ckpt")
    torch.testing.assert_close(loaded(x), model(x), rtol=0, atol=0)
    assert meta.backbone_fingerprint == backbone_fingerprint(loaded)


def test_backbone_and_head_are_real_module_boundaries():
    model = build_model("landmarks", 7).eval()
    x = torch.randn(3, 63)
    embedding = model.backbone(x)
    assert embedding.shape == (3, model.embedding_size)
    torch.testing.assert_close(model.head(embedding), model(x))


def test_mobilenet_v2_3d_matches_published_parameter_count():
    model = build_model("mobilenet_v2_3d", 600, width=1.0)
    assert sum(p.numel() for p in model.parameters()) == 3_122_648


def test_checkpoint_with_tampered_weights_is_rejected(tmp_path):
    model = build_model("landmarks", 3)
    _save(model, "landmarks", {}, tmp_path / "ckpt")
    other = build_model("landmarks", 3)
    from safetensors.torch import save_file
    save_file({k: v.contiguous() for k, v in other.state_dict().items()}, str(tmp_path / "ckpt" / "weights.safetensors"))
    with pytest.raises(CheckpointError, match="fingerprint"):
        model_from_checkpoint(tmp_path / "ckpt")


def test_missing_checkpoint_names_the_folder(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        model_from_checkpoint(tmp_path / "nowhere")
