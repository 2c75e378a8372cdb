"""The 30 fps gate: the whole per-frame pipeline must fit in 33.3 ms, not just the model.

Stages of the on-device loop, per camera frame: frame preprocessing (crop, resize, normalize),
MediaPipe hand detection where the model needs a hand crop or landmarks, the model, and
prediction smoothing. A stage that could not be measured is listed as missing and makes the
gate "incomplete" (never a silent 0 ms pass).
"""

from __future__ import annotations

FPS_TARGET = 30.0
FRAME_BUDGET_MS = 1000.0 / FPS_TARGET

# Why each input kind needs the MediaPipe hand stage (None: it does not).
HAND_STAGE_PURPOSE: dict[str, str | None] = {
    "image": "hand crop box for the letter model",
    "landmarks": "the 21 hand landmarks the model classifies",
    "clip": None,  # word models see the whole upper body
}


def stage(name: str, p50_ms: float | None, p90_ms: float | None = None, note: str = "", complete: bool = True) -> dict:
    """One row of a budget. p50_ms None: needed but not measured; complete False: measured, but
    only part of the work ran (e.g. no hand in the timing frame), so the time is a lower bound."""
    return {
        "stage": name, "p50_ms": p50_ms, "p90_ms": p90_ms if p90_ms is not None else p50_ms,
        "note": note, "complete": complete and p50_ms is not None,
    }


def frame_budget(stages: list[dict], budget_ms: float = FRAME_BUDGET_MS) -> dict:
    """Sum the stages' p50 (and p90) and judge them against the per-frame budget.

    "fail" as soon as the measured stages alone exceed the budget (missing ones can only add),
    "incomplete" when they fit but a needed stage is missing or only partly measured, "pass" otherwise.
    """
    measured = [s for s in stages if s["p50_ms"] is not None]
    missing = [s["stage"] for s in stages if not s["complete"]]
    total_p50 = sum(s["p50_ms"] for s in measured)
    total_p90 = sum(s["p90_ms"] for s in measured)
    if total_p50 > budget_ms:
        verdict = "fail"
    elif missing:
        verdict = "incomplete"
    else:
        verdict = "pass"
    return {
        "budget_ms": budget_ms,
        "stages": stages,
        "total_p50_ms": total_p50,
        "total_p90_ms": total_p90,
        "headroom_ms": budget_ms - total_p50,
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
