"""Model input from one frame, in the input styles of the research: the landmark vector, the hand
crop, the landmark mask drawn on black, or the whole frame.

Each builder returns one sample without the batch axis, normalized exactly as the model's
Preprocessing says (the same numbers the phones read from the manifest).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from signport.core.errors import InputError
from signport.core.preprocessing import Preprocessing, normalize_image
from signport.hands.crop import Box, crop_square, landmark_mask
from signport.hands.landmarker import HandDetection

@dataclass(frozen=True)
class HandView:
    rgb: np.ndarray  # the whole frame
    hand: HandDetection | None
    box: Box | None  # the hand box in pixels, when there is a hand


@dataclass(frozen=True)
class InputBuilder:
    build: Callable[[HandView, Preprocessing], np.ndarray]
    needs_hand: bool
    input_kinds: tuple[str, ...]  # model input kinds this style can feed


INPUT_STYLES: dict[str, InputBuilder] = {}


def register_input_style(name: str, needs_hand: bool, input_kinds: tuple[str, ...]):
    def decorator(build):
        INPUT_STYLES[name] = InputBuilder(build, needs_hand, input_kinds)
        return build

    return decorator


def _square_size(prep: Preprocessing) -> int:
    height, width = prep.input_size
    if height != width:
        raise InputError(f"the model expects {height}x{width} input; hand crops are square, so live input needs a square model")
    return int(height)


@register_input_style("landmarks", needs_hand=True, input_kinds=("landmarks",))
def landmark_vector(view: HandView, prep: Preprocessing) -> np.ndarray:
    return view.hand.model_landmarks().reshape(-1).astype(np.float32)


@register_input_style("crop", needs_hand=True, input_kinds=("image", "clip"))
def hand_crop(view: HandView, prep: Preprocessing) -> np.ndarray:
    return normalize_image(crop_square(view.rgb, view.box, _square_size(prep)), prep)


@register_input_style("mask", needs_hand=True, input_kinds=("image",))
def hand_mask(view: HandView, prep: Preprocessing) -> np.ndarray:
    xy = view.hand.pixel_points(view.rgb.shape[:2])
    return normalize_image(landmark_mask(xy, view.box, _square_size(prep)), prep)


@register_input_style("frame", needs_hand=False, input_kinds=("image", "clip"))
def whole_frame(view: HandView, prep: Preprocessing) -> np.ndarray:
    # The whole frame resized to input_size, exactly as Preprocessing (and so training) defines it.
    height, width = prep.input_size
    return normalize_image(cv2.resize(view.rgb, (width, height), interpolation=cv2.INTER_AREA), prep)


# What "auto" means per model input kind: a clip model sees the signer (signs move beyond the hand).
AUTO_STYLE = {"landmarks": "landmarks", "image": "crop", "clip": "frame"}


def resolve_input_style(requested: str, prep: Preprocessing) -> str:
    style = AUTO_STYLE[prep.input_kind] if requested == "auto" else requested
    if style not in INPUT_STYLES:
        raise InputError(f"unknown --input-style {requested!r}; choose auto, {', '.join(INPUT_STYLES)}")
    if prep.input_kind not in INPUT_STYLES[style].input_kinds:
        usable = [name for name, b in INPUT_STYLES.items() if prep.input_kind in b.input_kinds]
        raise InputError(f"--input-style {style} cannot feed a model with {prep.input_kind} input; use one of: auto, {', '.join(usable)}")
    return style
