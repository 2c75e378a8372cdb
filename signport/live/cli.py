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
    if config.glosses:
        return _glosses(config)
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


def _glosses(config: LiveConfig) -> int:
    from signport.live.glosses import run_glosses

    summary = run_glosses(config)
    timing = summary["ms_per_frame"]
    for video in summary["videos"]:
        line = f"{video['source']}: {' '.join(video['glosses']) or '(no sign found)'}"
        if "truth" in video:
            line += f"  | truth: {' '.join(video['truth'])}  | edit distance {video['edit_distance']}"
        print(line)
    print(f"{len(summary['videos'])} video(s), {summary['frames']} frames, {summary['model_calls']} signs found, "
          f"{timing['mean']:.2f} ms/frame end to end (p50 {timing['p50']:.2f}, p95 {timing['p95']:.2f}, max {timing['max']:.2f}: "
          "a frame that ends a sign runs the model)")
    if "accuracy" in summary:
        print(f"edit distance {summary['edit_distance']} over {summary['true_glosses']} true glosses: "
              f"{summary['accuracy']:.1%} of the glosses right in order")
    if config.transcript:
        print(f"transcript: {config.transcript}")
    return 0
