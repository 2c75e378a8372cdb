"""The 30 fps gate: the whole per-frame pipeline must fit in 33.3 ms, not just the model.

Stages per camera frame, named as signport.live times them: hand_detection (MediaPipe, where the
model's input style needs a hand), preprocess (crop or landmarks -> model input), model, smoothing.
Each stage is measured on its own; the per-frame total is their sum, and its distribution is
estimated by adding independently resampled stage timings. The verdict follows `signport live`:
the 90th percentile of the per-frame total must be within the budget (nine frames in ten keep up
with a 30 fps camera). A stage that could not be measured makes the gate "incomplete", never a
silent 0 ms pass.
"""

from __future__ import annotations

import numpy as np

from signport.live.timing import FRAME_BUDGET_MS


def stage(name: str, samples_ms: list[float] | None, note: str = "", complete: bool = True) -> dict:
    """One stage of a budget. samples_ms None: needed but not measured; complete False: measured,
    but only part of its work ran (e.g. no hand in the timing frame), so its time is a lower bound."""
    samples = None if samples_ms is None else np.asarray(samples_ms, np.float64)
    return {
        "stage": name,
        "p50_ms": None if samples is None else float(np.percentile(samples, 50)),
        "p90_ms": None if samples is None else float(np.percentile(samples, 90)),
        "note": note,
        "complete": complete and samples is not None,
        "samples_ms": samples,
    }


def frame_budget(stages: list[dict], budget_ms: float = FRAME_BUDGET_MS, draws: int = 20000, seed: int = 0) -> dict:
    """Per-frame total of the stages and its verdict against the budget.

    "fail" as soon as the measured stages alone have a p90 over the budget (missing ones can only
    add), "incomplete" when they fit but a needed stage is missing or partly measured, "pass"
    otherwise. Stages' samples are not stored in the result, only their p50/p90.
    """
    rng = np.random.default_rng(seed)
    measured = [s for s in stages if s["samples_ms"] is not None]
    total = sum((rng.choice(s["samples_ms"], draws) for s in measured), np.zeros(draws))
    total_p50, total_p90 = (float(v) for v in np.percentile(total, [50, 90]))
    missing = [s["stage"] for s in stages if not s["complete"]]
    if total_p90 > budget_ms:
        verdict = "fail"
    elif missing:
        verdict = "incomplete"
    else:
        verdict = "pass"
    return {
        "budget_ms": budget_ms,
        "stages": [{k: v for k, v in s.items() if k != "samples_ms"} for s in stages],
        "total_p50_ms": total_p50,
        "total_p90_ms": total_p90,
        "headroom_ms": budget_ms - total_p90,
        "missing": missing,
        "verdict": verdict,
    }


def overall_gate(verdicts: list[str]) -> str:
    """The bundle passes the 30 fps gate when at least one artifact's pipeline passes: an app
    ships one artifact per platform, and the table shows which ones fit."""
    for outcome in ("pass", "incomplete", "fail"):
        if outcome in verdicts:
            return outcome
    return "not measured"
