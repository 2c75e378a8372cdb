import numpy as np
import pytest

from signport.core.errors import DataError
from signport.data.types import ImageIndex, LandmarkSet, VideoIndex
from signport.train.sources import data_fingerprint, open_dataset


@pytest.fixture(scope="module")
def synth_layout(tmp_path_factory, tiny_data_writers):
    """A folder laid out like the synthetic generator's output: letters/ (+ landmarks.npz) and user_recordings/."""
    root = tmp_path_factory.mktemp("synth_root")
    letters = tiny_data_writers["images"](root / "letters", per_class=2)
    paths = sorted(p.relative_to(letters).as_posix() for p in letters.glob("*/*.png"))
    np.savez(letters / "landmarks.npz", paths=np.array(paths), labels=np.array([p.split("/")[0] for p in paths]),
             landmarks=np.random.default_rng(0).random((len(paths), 21, 3)).astype(np.float32))
    tiny_data_writers["videos"](root / "user_recordings", seconds=0.2, fps=10)
    return root


def test_a_generator_output_folder_is_read_by_the_models_input_kind(synth_layout, tmp_path):
    images = open_dataset(synth_layout, "image", tmp_path)
    assert isinstance(images, ImageIndex) and images.classes == ["A", "B", "C"] and len(images) == 6
    landmarks = open_dataset(synth_layout, "landmarks", tmp_path)
    assert isinstance(landmarks, LandmarkSet) and landmarks.landmarks.shape == (6, 21, 3)
    assert isinstance(open_dataset(synth_layout, "recordings", tmp_path), VideoIndex)


def test_landmark_model_on_images_without_landmarks_is_a_clear_error(tmp_path, tiny_data_writers):
    folder = tiny_data_writers["images"](tmp_path / "photos", per_class=1)
    with pytest.raises(DataError, match="without a landmarks.npz"):
        open_dataset(folder, "landmarks", tmp_path)


def test_data_fingerprint_follows_content_not_location(tmp_path, tiny_data_writers):
    a = tiny_data_writers["images"](tmp_path / "a", per_class=2, seed=0)
    b = tiny_data_writers["images"](tmp_path / "b", per_class=2, seed=0)
    c = tiny_data_writers["images"](tmp_path / "c", per_class=2, seed=1)
    fingerprint = lambda folder: data_fingerprint(open_dataset(folder, "image", tmp_path))
    assert fingerprint(a) == fingerprint(b) != fingerprint(c)


def test_landmark_model_on_generator_letters_drops_images_without_a_hand(tmp_path, tiny_data_writers):
    """The synthetic 'nothing' class has NaN landmarks (no hand): those rows must not reach training."""
    colours = {"A": (220, 40, 40), "B": (40, 200, 60), "nothing": (50, 70, 230)}
    letters = tiny_data_writers["images"](tmp_path / "letters", per_class=2, colours=colours)
    paths = sorted(p.relative_to(letters).as_posix() for p in letters.glob("*/*.png"))
    landmarks = np.random.default_rng(0).random((len(paths), 21, 3)).astype(np.float32)
    labels = np.array([p.split("/")[0] for p in paths])
    landmarks[labels == "nothing"] = np.nan
    np.savez(letters / "landmarks.npz", paths=np.array(paths), labels=labels, landmarks=landmarks)
    found = open_dataset(letters, "landmarks", tmp_path)
    assert found.classes == ["A", "B"] and len(found) == 4
    assert np.isfinite(found.landmarks).all()


def test_training_stops_with_a_clear_error_when_the_loss_diverges(tmp_path):
    import torch

    from signport.train.training import TrainingDiverged, train_one_epoch

    model = torch.nn.Linear(3, 2)
    loader = [(torch.tensor([[float("nan"), 0.0, 1.0]]), torch.tensor([0]))]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler(enabled=False)
    with pytest.raises(TrainingDiverged, match="loss is nan"):
        train_one_epoch(model, loader, lambda x, train: x, torch.nn.CrossEntropyLoss(), optimizer, scaler,
                        torch.device("cpu"), None, "epoch 1", show_progress=False)
