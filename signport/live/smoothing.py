"""Majority-vote smoothing of per-frame predictions over a sliding window.

A single frame's top class flickers (motion blur, a half-formed hand shape); the label shown to
the user and fed to fingerspelling is the one that holds a majority of the last N frames.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass

from signport.core.labels import NOTHING


@dataclass(frozen=True)
class SmoothedPrediction:
    label: str | None  # the window's majority label; None while no label holds a majority (undecided)
    support: float  # fraction of the window that voted for `label` (0 when undecided)
    confidence: float  # mean model confidence of those votes (0 when undecided)


UNDECIDED = SmoothedPrediction(None, 0.0, 0.0)


class MajorityVoteSmoother:
    """Each frame votes once; the winner needs more than `min_support` of the whole window.

    - A frame without a hand votes `no_hand_label` ("nothing"), so taking the hand away is a
      decision of its own (it ends a fingerspelled letter), not an absence of votes.
    - A prediction below `min_confidence` abstains: it neither supports nor breaks a label, but it
      counts in the window, so a run of uncertain frames ends in "undecided".
    - Votes are counted against the full window from the first frame, so a label needs
      `min_support * window` frames before it is shown at all.
    """

    def __init__(self, window: int = 9, min_confidence: float = 0.6, min_support: float = 0.5,
                 no_hand_label: str = NOTHING):
        if window < 1:
            raise ValueError(f"window must be >= 1 frame, got {window}")
        if not 0.0 <= min_support < 1.0:
            raise ValueError(f"min_support must be in [0, 1), got {min_support}")
        self.window = window
        self.min_confidence = min_confidence
        self.min_support = min_support
        self.no_hand_label = no_hand_label
        self._votes: deque[tuple[str | None, float]] = deque(maxlen=window)

    def update(self, label: str | None, confidence: float = 1.0, hand_found: bool = True) -> SmoothedPrediction:
        """Add this frame's top label and its probability (or no hand) and return the window's verdict."""
        if not hand_found:
            self._votes.append((self.no_hand_label, 1.0))
        elif label is None or confidence < self.min_confidence:
            self._votes.append((None, confidence))
        else:
            self._votes.append((label, confidence))
        return self.current()

    def current(self) -> SmoothedPrediction:
        counts = Counter(label for label, _ in self._votes if label is not None)
        if not counts:
            return UNDECIDED
        # Ties (possible only when min_support < 0.5) go to the label voted for most recently.
        recency = {label: i for i, (label, _) in enumerate(self._votes)}
        winner, count = max(counts.items(), key=lambda item: (item[1], recency[item[0]]))
        if count <= self.min_support * self.window:
            return UNDECIDED
        confidences = [c for label, c in self._votes if label == winner]
        return SmoothedPrediction(winner, count / self.window, sum(confidences) / len(confidences))

    def reset(self) -> None:
        self._votes.clear()
