"""The configs of `signport train`, `finetune` and `evaluate`: built once from the CLI, passed down unchanged.

Every field is a flag (signport.core.config); fields marked cli=False are filled in at the CLI
edge from the environment (torchrun's WORLD_SIZE / RANK / LOCAL_RANK, the cache folder).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from signport.core.config import field_

Device = Literal["auto", "cpu", "cuda"]


@dataclass
class TrainConfig:
    model: str = field_("mobilenet_v2", help="model family in the registry", choices=("mobilenet_v2", "mobilenet_v2_3d", "mobilenet_v2_3d_causal", "landmarks"))
    data: str = field_("synth", help="dataset folder/file, or 'synth' for the built-in synthetic generator")
    out: Path = field_(Path("runs/train"), help="output folder: checkpoint, training state, history, evaluation", path="out")
    preset: str = field_("auto", help="named defaults (see `signport train --help`); 'auto' = synth-fast on --data synth, none otherwise")
    # Architecture (None = the family's default); only the ones the family takes may be set.
    width: float | None = field_(None, help="width multiplier (mobilenet families)", gt=0)
    input_size: int | None = field_(None, help="input height = width in pixels (mobilenet families)", ge=16)
    clip_length: int | None = field_(None, help="frames per clip (mobilenet_v2_3d)", ge=1)
    clip_fps: float | None = field_(None, help="frames per second a clip is sampled at (mobilenet_v2_3d)", gt=0)
    hidden: tuple[int, ...] | None = field_(None, help="hidden layer sizes (landmarks)", ge=1)
    features: str | None = field_(None, help="landmarks: 'coords' (normalized coordinates) or 'coords+shape' (plus joint bend cosines and fingertip distances)", choices=("coords", "coords+shape"))
    mirror: str | None = field_(None, help="landmarks: 'canonical' mirrors every hand to one handedness inside the model (no handedness needed), 'none' expects right hands", choices=("none", "canonical"))
    channel_attention: bool = field_(False, help="squeeze-and-excitation after each stage (mobilenet_v2 ablation)")
    weights: str = field_("none", help="'none' (from scratch) or 'imagenet' (mobilenet_v2 width 1.0; needs the internet once)")
    head_dropout: float | None = field_(None, help="dropout before the classifier (None = family default)", ge=0, lt=1)
    inflate_from: Path | None = field_(None, help="3-D models: start from this mobilenet_v2 checkpoint's backbone inflated over time (I3D); train at its --width")
    inflation: str = field_("center", help="how --inflate-from spreads each 2-D kernel over time: the current-frame tap ('center', exact per frame) or repeated and divided ('mean', I3D)", choices=("center", "mean"))
    # Optimisation.
    epochs: int = field_(30, help="maximum number of epochs", ge=1)
    batch_size: int = field_(64, help="samples per step (per process under torchrun)", ge=1)
    optimizer: str = field_("adamw", help="optimizer", choices=("adamw", "adam", "rmsprop", "sgd"))
    lr: float = field_(2e-3, help="peak learning rate", gt=0)
    weight_decay: float = field_(0.01, help="weight decay", ge=0)
    momentum: float = field_(0.9, help="momentum (sgd, rmsprop)", ge=0, lt=1)
    scheduler: str = field_("cosine", help="learning-rate schedule", choices=("cosine", "plateau", "constant"))
    warmup_epochs: int = field_(0, help="linear warm-up epochs before the cosine schedule", ge=0)
    label_smoothing: float = field_(0.0, help="cross-entropy label smoothing", ge=0, lt=1)
    class_weights: bool = field_(True, help="weight cross-entropy by inverse class frequency of the training split")
    precise_bn_batches: int = field_(20, help="training batches used to re-estimate BatchNorm statistics after each epoch (0 = off)", ge=0)
    patience: int = field_(8, help="early stopping: epochs without a better validation accuracy before stopping (0 = never stop early)", ge=0)
    # Data.
    val_fraction: float = field_(0.15, help="fraction of each class held out for validation (when the data has no split)", ge=0, lt=1)
    test_fraction: float = field_(0.15, help="fraction of each class held out for the final test (when the data has no split)", ge=0, lt=1)
    split_by: str = field_("sample", help="hold out random samples per class, whole signers (generalisation to new people), or the last rows of each class in file order (data recorded as sequences)", choices=("sample", "signer", "order"))
    on_missing: str = field_("skip", help="WLASL data: videos the split file does not list, and listed ids without a video, are skipped with a warning ('skip') or refused ('error')", choices=("skip", "error"))
    holdout: str | None = field_(None, help="comma-separated sources or signers held out whole as the test split, never trained on "
                                 "(leave-one-signer-out: --holdout s03; leave-one-source-out: --holdout traduttore_letters)")
    balance_sources: bool = field_(True, help="with several --data sources, draw each source equally often per epoch (not in proportion to its size)")
    hand_crop: bool = field_(False, help="image models: crop every image to MediaPipe's hand box, as the live pipeline does (landmarks cached by image content); images without a hand are reported and left out")
    crop_margin: float = field_(0.25, help="hand crop margin on each side, as a fraction of the hand's size (the live pipeline's default)")
    hand_model: Path | None = field_(None, help="hand_landmarker.task for --hand-crop (default: the cached one, built on first use)")
    augment: bool = field_(True, help="data augmentation matching the data kind")
    augment_signers: bool = field_(False, help="landmarks: also vary hand proportions, finger bend, 3-D turn, depth scale and aspect (models other people's hands)")
    augment_strength: float = field_(1.0, help="scales every augmentation range (crop, rotation, colour jitter, landmark noise): 1 = the defaults, 0.5 = half as strong", ge=0)
    hflip: bool = field_(False, help="random horizontal flips (off by default: a flip turns a right-hand sign into a left-hand one)")
    max_per_class: int | None = field_(None, help="use at most this many samples per class (quick runs)", ge=1)
    workers: int = field_(0, help="DataLoader worker processes (0 = load in the main process)", ge=0)
    # Runtime.
    device: Device = field_("auto", help="auto = cuda when available, else cpu")
    threads: int | None = field_(None, help="CPU threads for torch (default: torch's choice)", ge=1)
    seed: int = field_(0, help="seed for splits, initialisation, shuffling and augmentation")
    amp: bool = field_(True, help="mixed precision on CUDA (ignored on CPU)")
    compile: bool = field_(False, help="torch.compile the model on CUDA (ignored on CPU)")
    resume: bool = field_(False, help="continue the run saved in --out (model, optimizer, scheduler, epoch, RNG state)")
    overwrite: bool = field_(False, help="replace an existing run in --out instead of refusing")
    time_budget_minutes: float | None = field_(None, help="fit training into this many minutes on this host: after the first epoch, the epoch count and its schedule shrink to what fits at the measured pace (slower CPUs train fewer epochs instead of running late)", gt=0)
    stop_after_epochs: int | None = field_(None, help="stop after this many epochs in this invocation (time-boxed jobs); continue later with --resume", ge=1)
    # Filled in at the CLI edge, never flags.
    cache_dir: Path = field_(Path(".signport-cache"), help="where synthetic data and embedding caches live", cli=False)
    world_size: int = field_(1, cli=False)
    rank: int = field_(0, cli=False)
    local_rank: int = field_(0, cli=False)

    def to_dict(self) -> dict:
        return {k: (str(v) if isinstance(v, Path) else list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(self).items()}


@dataclass
class FinetuneConfig:
    checkpoint: Path = field_(help="checkpoint folder whose backbone stays frozen (flag: --from)", cli=False, path="in", flag="--from")
    data: str = field_("synth", help="the new user's recordings: a folder of <label>/*.mp4 (or images), or 'synth' for the synthetic new signer")
    out: Path = field_(Path("runs/head"), help="head path stem: writes OUT.safetensors + OUT.json", path="out")
    seconds_per_letter: float = field_(10.0, help="seconds of recording per label used for training (from the start of each label's recordings)", gt=0)
    per_label: int | None = field_(None, help="photo folders: train on the first N photos of each label (file order), hold out the rest; replaces --seconds-per-letter", ge=1)
    hand_crop: bool | None = field_(None, help="photo folders: crop to MediaPipe's hand box (default: as the checkpoint was trained)")
    gap_seconds: float = field_(1.0, help="seconds skipped between training and held-out frames, so adjacent frames never straddle the split", ge=0)
    holdout_seconds: float | None = field_(None, help="seconds of held-out frames per label from the end of each label's recordings (default: everything after the gap)", gt=0)
    frame_stride: int = field_(1, help="use every n-th video frame (1 = all 30 fps)", ge=1)
    optimizer: str = field_("adamw", help="optimizer for the head", choices=("adamw", "adam", "rmsprop", "sgd"))
    lr: float | None = field_(None, help="learning rate for the head (default: 1e-3 for recordings; 1e-2 with --per-label, whose few photos give few steps)", gt=0)
    weight_decay: float = field_(1e-4, help="weight decay for the head", ge=0)
    momentum: float = field_(0.9, help="momentum (sgd, rmsprop)", ge=0, lt=1)
    epochs: int = field_(60, help="passes over the cached embeddings", ge=1)
    batch_size: int = field_(128, help="embeddings per step", ge=1)
    init: str = field_("base", help="start from the checkpoint's head ('base') or a fresh one ('fresh')", choices=("base", "fresh"))
    device: Device = field_("auto", help="auto = cuda when available, else cpu")
    threads: int | None = field_(None, help="CPU threads for torch (default: torch's choice)", ge=1)
    seed: int = field_(0, help="seed for head initialisation and shuffling")
    cache_dir: Path = field_(Path(".signport-cache"), help="where embedding caches live", cli=False)


@dataclass
class EvaluateConfig:
    checkpoint: Path = field_(help="checkpoint folder to evaluate (flag: --from)", cli=False, path="in", flag="--from")
    head: Path | None = field_(None, help="a head file (from `signport finetune`) to put on the checkpoint's backbone", path="in")
    force: bool = field_(False, help="apply --head even if it was trained on another backbone or label set")
    data: str = field_("synth", help="dataset folder/file or 'synth'")
    split: str = field_("auto", help="which samples: 'auto' (the training run's test split when --data is its training data, else all), test, val, train, all", choices=("auto", "test", "val", "train", "all"))
    hand_crop: bool | None = field_(None, help="crop images to MediaPipe's hand box (default: as the checkpoint was trained)")
    out: Path = field_(Path("runs/evaluate"), help="output folder: results.json + confusion.png", path="out")
    frame_stride: int = field_(1, help="for video folders evaluated with an image model: use every n-th frame", ge=1)
    batch_size: int = field_(128, help="samples per forward pass", ge=1)
    device: Device = field_("auto", help="auto = cuda when available, else cpu")
    threads: int | None = field_(None, help="CPU threads for torch (default: torch's choice)", ge=1)
    cache_dir: Path = field_(Path(".signport-cache"), help="where synthetic data lives", cli=False)
