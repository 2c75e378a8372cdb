"""`run_live`: open the source, the hand model and the classifier, run the recognizer, keep outputs safe."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import asdict

from signport.core import atomic
from signport.core.errors import InputError
from signport.hands.landmarker import HandLandmarker
from signport.hands.model_file import resolve_hand_model
from signport.live.classifier import Classifier, load_classifier
from signport.live.config import LiveConfig
from signport.live.outputs import AnnotatedVideo, Display, LiveRecording
from signport.live.pipeline import LiveRecognizer, run_frames
from signport.live.sources import check_source, open_source

log = logging.getLogger(__name__)


def run_live(config: LiveConfig, classifier: Classifier | None = None) -> dict:
    """Run a live session as configured and return its summary (also written beside the transcript).

    The loop ends at the end of the source, `max_frames`, Ctrl-C or an error; in every case the
    transcript, per-frame records, timings and annotated video so far are finalized first, and an
    error is re-raised afterwards.
    """
    check_source(config.source)  # a wrong --source fails before models load
    classifier = classifier or load_classifier(config.checkpoint, config.bundle, config.threads)
    hand_model = resolve_hand_model(config.hand_model, config.hand_model_dir)
    source = open_source(config.source)
    with contextlib.ExitStack() as stack:
        stack.callback(source.close)
        landmarker = stack.enter_context(HandLandmarker(
            hand_model, mode="video", min_detection_confidence=config.min_hand_confidence,
            min_presence_confidence=config.min_hand_confidence, min_tracking_confidence=config.min_hand_confidence,
        ))
        recognizer = LiveRecognizer(classifier, landmarker, config, source.info.fps)
        header = {
            "source": asdict(source.info), "model": getattr(classifier, "name", type(classifier).__name__),
            "labels": list(classifier.labels), "input_style": recognizer.input_style, "hand_model": str(hand_model),
            "config": {k: v if v is None or isinstance(v, (bool, int, float, str)) else str(v) for k, v in asdict(config).items()},
        }
        recording = LiveRecording(config.transcript, header)
        # Order matters: the video sink adds its `annotate` time before the recording logs the frame.
        sinks: list = []
        if config.out is not None:
            video = AnnotatedVideo(stack.enter_context(atomic.staged_path(config.out)), source.info.fps)
            stack.callback(video.close)
            sinks.append(video)
        if config.show:
            display = Display()
            stack.callback(display.close)
            sinks.append(display)
        sinks.append(recording)
        run = run_frames(recognizer, source, sinks, config.max_frames)
        summary = recording.finish({
            "text": run.text, "frames": run.frames, "frames_with_hand": run.frames_with_hand,
            "model_calls": run.model_calls, "decode_failures": run.decode_failures,
            "source_ended_early": source.ended_early, "interrupted": run.interrupted, "error": run.error,
        })
        if run.exception is None and not run.interrupted and run.frames == run.decode_failures:
            # Raised inside the stack so a staged annotated video with no frames is discarded.
            raise InputError(f"no frame of {source.info.name} could be decoded; check the file plays, or re-encode it as H.264 mp4")
    if run.exception is not None:
        raise run.exception
    return summary
