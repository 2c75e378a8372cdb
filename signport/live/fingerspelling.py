"""Fingerspelling to text: stable letters become keystrokes, `space` and `del` act as those keys.

Input is the smoothed label per frame (see smoothing.py). A label is typed once when it becomes
the stable label; holding it types nothing more. Typing the same letter again needs a break
(the hand away / "nothing", or another label) or, if `repeat_after` is set, holding it that many
more frames (so "LL" can be spelled without dropping the hand).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from signport.core.labels import DELETE, NOTHING, SPACE


def _type_label(text: str, label: str) -> str:
    if len(label) == 1:
        return text + label
    # A whole word (a gloss from a word model) is typed as its own space-separated word.
    return (text + " " if text and not text.endswith(" ") else text) + label


# Labels that act as keys instead of being typed.
KEY_ACTIONS: dict[str, Callable[[str], str]] = {
    SPACE: lambda text: text + " ",
    DELETE: lambda text: text[:-1],
}


@dataclass(frozen=True)
class Keystroke:
    frame_index: int
    label: str
    text: str  # the text after this keystroke


class FingerspellingDecoder:
    def __init__(self, repeat_after: int | None = None, break_labels: tuple[str, ...] = (NOTHING,)):
        if repeat_after is not None and repeat_after < 1:
            raise ValueError(f"repeat_after must be >= 1 frame or None, got {repeat_after}")
        self.repeat_after = repeat_after
        self.break_labels = frozenset(break_labels)
        self.text = ""
        self.keystrokes: list[Keystroke] = []
        self._held: str | None = None  # the label last typed, while it is still held
        self._held_frames = 0
        self._frame_index = -1

    def update(self, label: str | None) -> Keystroke | None:
        """Feed one frame's smoothed label (None = undecided); return the keystroke it caused, if any."""
        self._frame_index += 1
        if label is None:
            return None  # undecided: neither a new letter nor a break
        if label in self.break_labels:
            self._held = None
            return None
        if label == self._held:
            self._held_frames += 1
            if self.repeat_after is None or self._held_frames < self.repeat_after:
                return None
        return self._press(label)

    def _press(self, label: str) -> Keystroke:
        self._held, self._held_frames = label, 0
        action = KEY_ACTIONS.get(label)
        self.text = action(self.text) if action else _type_label(self.text, label)
        keystroke = Keystroke(self._frame_index, label, self.text)
        self.keystrokes.append(keystroke)
        return keystroke

    @property
    def words(self) -> list[str]:
        return self.text.split()
