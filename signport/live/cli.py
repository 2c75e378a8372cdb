"""`signport live`: recognize signs from a webcam or a video file, with transcript and timings."""

from __future__ import annotations

from signport.core.config import add_dataclass_arguments, dataclass_from_args
from signport.live.config import LiveConfig


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "live", help="recognize signs live from a webcam or video: transcript, per-stage timings, annotated video",
        description="MediaPipe finds the hand, the model reads the crop / landmarks / mask, majority-vote smoothing "
                    "and fingerspelling turn predictions into text; every stage is timed per frame.",
    )
    add_dataclass_arguments(parser, LiveConfig)
    parser.set_defaults(handler=_live)


def _live(args) -> int:
    from signport.live.run import live_classifier, run_live
    from signport.live.timing import format_timing_table

    config = dataclass_from_args(LiveConfig, args)
    classifier = live_classifier(config)
    if getattr(classifier, "choice", None):
        print(f"model: {classifier.name}\n       {classifier.choice}")
    summary = run_live(config, classifier)
    print(f"frames {summary['frames']}, with a hand {summary['frames_with_hand']}, model calls {summary['model_calls']}, "
          f"decode failures {summary['decode_failures']}{', interrupted' if summary['interrupted'] else ''}")
    print(format_timing_table(summary))
    print(f"text: {summary['text']}")
    if config.transcript:
        print(f"transcript: {config.transcript} (per-frame records and timings beside it)")
    if config.out:
        print(f"annotated video: {config.out}")
    return 0
