import pytest
import torch

from signport.core.errors import HeadMismatchError
from signport.core.heads import load_head, save_head
from signport.models.head_io import apply_head, head_from_model
from signport.models import backbone_fingerprint, build_model


def _model(seed: int, classes: int = 5, hidden=(16, 8)):
    torch.manual_seed(seed)
    return build_model("landmarks", classes, hidden=hidden).eval()


def test_head_file_round_trip_reproduces_the_logits(tmp_path):
    trained, fresh = _model(0), _model(0)
    torch.manual_seed(1)
    torch.nn.init.normal_(trained.head.fc.weight)  # a "fine-tuned" head on the same backbone
    labels = list("ABCDE")
    save_head(tmp_path / "user", head_from_model(trained, labels, source={"kind": "test"}))
    head = load_head(tmp_path / "user.safetensors")
    assert head.manifest.backbone_fingerprint == backbone_fingerprint(fresh)
    assert head.manifest.embedding_size == 8 and head.manifest.model_family == "landmarks"
    assert apply_head(fresh, head, labels=labels) == []
    x = torch.randn(4, 63)
    torch.testing.assert_close(fresh(x), trained(x), rtol=0, atol=0)


def test_apply_head_rejects_another_backbone_unless_forced():
    head = head_from_model(_model(0), list("ABCDE"))
    other = _model(1)
    with pytest.raises(HeadMismatchError, match="another backbone"):
        apply_head(other, head)
    assert "backbone fingerprint" in apply_head(other, head, force=True)[0]
    torch.testing.assert_close(other.head.fc.weight.detach().numpy(), head.weight)


def test_apply_head_rejects_another_label_count_unless_forced():
    head = head_from_model(_model(0, classes=3), list("ABC"))
    model = _model(0, classes=5)
    with pytest.raises(HeadMismatchError, match="3 labels but the model has 5 outputs"):
        apply_head(model, head)
    apply_head(model, head, force=True)
    assert model(torch.randn(2, 63)).shape == (2, 3)


def test_apply_head_rejects_another_label_order():
    head = head_from_model(_model(0), list("ABCDE"))
    with pytest.raises(HeadMismatchError, match="labels differ"):
        apply_head(_model(0), head, labels=list("EDCBA"))


def test_embedding_size_mismatch_is_never_forceable():
    head = head_from_model(_model(0, hidden=(16, 8)), list("ABCDE"))
    with pytest.raises(HeadMismatchError, match="8-d embeddings"):
        apply_head(_model(0, hidden=(16, 12)), head, force=True)


def test_frozen_backbone_keeps_batchnorm_statistics_in_training_mode():
    model = _model(0)
    model.freeze_backbone()
    model.train()
    before = {k: v.clone() for k, v in model.backbone.state_dict().items()}
    model(torch.randn(16, 63))
    assert not model.backbone.training and model.head.training
    for name, value in model.backbone.state_dict().items():
        torch.testing.assert_close(value, before[name], rtol=0, atol=0)
