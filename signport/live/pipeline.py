"""The live recognizer: frame -> hand -> model input -> model -> smoothing -> text, timed per stage.

`LiveRecognizer.process` is the per-frame step (no I/O); `run_live` drives it over a source and
keeps the outputs (transcript, per-frame records, timings, annotated video) safe whatever happens.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from signport.core.errors import InputError
from signport.core.preprocessing import Preprocessing
from signport.hands.crop import Box, hand_box
from signport.hands.landmarker import HandDetection, HandLandmarker
from signport.live.classifier import Classifier, softmax
from signport.live.config import LiveConfig
from signport.live.fingerspelling import FingerspellingDecoder, Keystroke
from signport.live.inputs import INPUT_STYLES, HandView, resolve_input_style
from signport.live.smoothing import MajorityVoteSmoother, SmoothedPrediction
from signport.live.sources import Frame
from signport.live.timing import StageClock
from signport.streaming.sliding_window import ClipRateSampler, SlidingWindowRunner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float  # softmax probability of `label`


@dataclass
class FrameResult:
    frame: Frame
    hand: HandDetection | None
    box: Box | None
    prediction: Prediction | None  # this frame's model output; None when the model did not run
    vote: Prediction | None  # what this frame voted with (a clip model's latest window between runs)
    smoothed: SmoothedPrediction
    keystroke: Keystroke | None
    text: str
    clock: StageClock

    @property
    def decoded(self) -> bool:
        return self.frame.rgb is not None


class LiveRecognizer:
    def __init__(self, classifier: Classifier, landmarker: HandLandmarker, config: LiveConfig, source_fps: float = 30.0):
        self.classifier, self.landmarker, self.config = classifier, landmarker, config
        self.preprocessing = classifier.preprocessing
        self.input_style = resolve_input_style(config.input_style, self.preprocessing)
        self._input = INPUT_STYLES[self.input_style]
        prep = self.preprocessing
        # Video models: one sampler at the clip rate feeding one stream (signport.streaming).
        self.clip_sampler = ClipRateSampler(float(prep.clip_fps), source_fps) if prep.input_kind == "clip" else None
        self.clip_stream = open_clip_stream(classifier, config, prep) if prep.input_kind == "clip" else None
        self.smoother = MajorityVoteSmoother(config.window, config.min_confidence, config.min_support)
        self.decoder = FingerspellingDecoder(config.repeat_after)
        self._latest_clip_prediction: Prediction | None = None

    def process(self, frame: Frame) -> FrameResult:
        clock = StageClock()
        clock.add("decode", frame.decode_ms)
        if frame.rgb is None:
            # An undecodable frame casts no vote: the stream simply had one frame fewer.
            return FrameResult(frame, None, None, None, None, self.smoother.current(), None, self.decoder.text, clock)

        with clock.stage("hand_detection"):
            hands = self.landmarker.detect(frame.rgb, frame.timestamp_ms)
        hand = hands[0] if hands else None

        with clock.stage("preprocess"):
            box = hand_box(hand.pixel_points(frame.rgb.shape[:2]), self.config.crop_margin) if hand else None
            batch = self._model_batch(frame, HandView(frame.rgb, hand, box))

        prediction = None
        logits = None
        if batch is not None:
            with clock.stage("model"):
                logits = self.classifier.predict(batch) if self.clip_stream is None else self.clip_stream.push(batch)
        if logits is not None:
            probabilities = softmax(np.asarray(logits, np.float32))[0]
            best = int(probabilities.argmax())
            prediction = Prediction(self.classifier.labels[best], float(probabilities[best]))
            if self.clip_stream is not None:
                self._latest_clip_prediction = prediction

        with clock.stage("smoothing"):
            vote = self._latest_clip_prediction if self.clip_stream is not None else prediction
            if hand is None:
                smoothed = self.smoother.update(None, hand_found=False)
            else:
                smoothed = self.smoother.update(vote.label if vote else None, vote.confidence if vote else 0.0)
            keystroke = self.decoder.update(smoothed.label)
        return FrameResult(frame, hand, box, prediction, vote if hand else None, smoothed, keystroke, self.decoder.text, clock)

    def _model_batch(self, frame: Frame, view: HandView) -> np.ndarray | None:
        if self._input.needs_hand and view.hand is None:
            return None
        if self.clip_sampler is None:
            return self._input.build(view, self.preprocessing)[None]
        if not self.clip_sampler.wants(frame.timestamp_ms):
            return None
        self.clip_sampler.take(frame.timestamp_ms)
        return self._input.build(view, self.preprocessing)  # one (C, H, W) sample for the stream


def open_clip_stream(classifier: Classifier, config: LiveConfig, prep: Preprocessing):
    """The video model's stream: `push(sample (C, H, W)) -> logits (1, classes) | None`."""
    if config.streaming == "clip":
        size = tuple(int(v) for v in prep.input_size)
        return SlidingWindowRunner(classifier.predict, int(prep.clip_length), config.clip_stride, (3, *size))
    model = getattr(classifier, "model", None)
    architecture = getattr(getattr(classifier, "meta", None), "architecture", None)
    if architecture != "mobilenet_v2_3d_causal":
        raise InputError(f"--streaming causal steps a causal model frame by frame; {getattr(classifier, 'name', 'this model')} is "
                         f"{architecture or 'an exported bundle'}: pass --checkpoint of a mobilenet_v2_3d_causal model, or use --streaming clip")
    from signport.streaming.causal import CausalStream, CausalStreamRunner, StreamingStep, eager_step

    step = StreamingStep(model, window=int(prep.clip_length), with_head=True)
    height, width = (int(v) for v in prep.input_size)
    return CausalStream(CausalStreamRunner(eager_step(step), step.initial_states(height, width), step.window))


@dataclass
class LiveRun:
    frames: int = 0
    frames_with_hand: int = 0
    model_calls: int = 0
    decode_failures: int = 0
    interrupted: bool = False
    error: str | None = None
    exception: BaseException | None = None
    text: str = ""


@contextlib.contextmanager
def _sigint_deferred():
    """Hold Ctrl-C until the block ends, then raise it (main thread only: signals land there)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            raise KeyboardInterrupt


def run_frames(recognizer: LiveRecognizer, frames: Iterable[Frame], sinks: list, max_frames: int | None = None) -> LiveRun:
    """Process frames until the source ends, `max_frames`, Ctrl-C or an error; every sink sees every
    result. Errors and interrupts stop the loop but are recorded, not raised, so the caller can
    finalize outputs before reporting them."""
    run = LiveRun()
    try:
        for frame in frames:
            result = recognizer.process(frame)
            with _sigint_deferred():  # a frame is counted and in every output, or in none
                run.frames += 1
                run.frames_with_hand += result.hand is not None
                run.model_calls += result.prediction is not None
                run.decode_failures += not result.decoded
                run.text = result.text
                for sink in sinks:
                    sink.add(result)
            if max_frames is not None and run.frames >= max_frames:
                break
    except KeyboardInterrupt:
        run.interrupted = True
        log.warning("interrupted: keeping the %d frames processed so far", run.frames)
    except Exception as e:  # finalize what we have, then the caller re-raises
        run.error = f"{type(e).__name__}: {e}"
        run.exception = e
    return run
