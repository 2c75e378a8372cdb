"""The 30 fps gate: each shipped artifact run inside the live per-frame pipeline, end to end.

The bench builds the same `LiveRecognizer` that `signport live` runs (signport.live.run.
open_recognizer: MediaPipe in video mode, the model input, the artifact through
signport.runtime, smoothing, fingerspelling) and replays real frames through it at camera pace
for a sustained run (signport.live.sustained). The verdict is the end-to-end p90 against 33.3 ms,
as `signport live` judges it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from signport.live.sustained import DecodedVideo, decode_video, run_paced, summarize_paced

# The rendered default: letters with open hands, which MediaPipe finds most often in drawn frames.
RENDERED_LETTERS = "BLVWY"


def gate_video(video: Path | None, seed: int = 0) -> tuple[DecodedVideo, str]:
    """The frames the gate replays: `--video`, else a fingerspelling video rendered by signport.data.synth."""
    if video is not None:
        decoded = decode_video(video)
        return decoded, f"{Path(video).name} ({len(decoded.rgb)} frames at {decoded.fps:.0f} fps, looped)"
    from signport.data.synth.recordings import render_signing_video
    from signport.data.video import write_video

    frames = render_signing_video(RENDERED_LETTERS, seed=seed, hand_size=160)
    with tempfile.TemporaryDirectory(prefix="signport-gate-") as tmp:
        # Through a real encode/decode, so the decode stage is a real one.
        decoded = decode_video(write_video(Path(tmp) / "rendered.mp4", frames, 30.0))
    return decoded, (f"a rendered signing video ({RENDERED_LETTERS}, {len(decoded.rgb)} frames at 30 fps, looped; "
                     "pass --video for a real one)")


def pipeline_gate(classifier, live_config, video: DecodedVideo, seconds: float, fps: float = 30.0) -> dict:
    """One artifact's sustained end-to-end run in the live pipeline, summarized with its verdict."""
    from signport.live.inputs import INPUT_STYLES
    from signport.live.run import open_recognizer

    with open_recognizer(live_config, classifier, fps) as recognizer:
        run = run_paced(recognizer.process, video, seconds, fps)
        needs_hand = INPUT_STYLES[recognizer.input_style].needs_hand
    return summarize_paced(run, needs_hand=needs_hand)


def overall_gate(verdicts: list[str]) -> str:
    """The bundle passes the 30 fps gate when at least one artifact's pipeline passes: an app
    ships one artifact per platform, and the table shows which ones fit."""
    for outcome in ("pass", "incomplete", "fail"):
        if outcome in verdicts:
            return outcome
    return "not measured"
