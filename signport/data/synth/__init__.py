"""The procedural synthetic dataset: signport's embedded default when no dataset is given.

Numpy + OpenCV only, deterministic for a seed, a few milliseconds per image on one core.

- letters: 29-class ASL-alphabet stills rendered from a 3-D 21-joint hand (MediaPipe topology)
  with ground-truth landmarks (letters.render_letter)
- clips: J/Z traces and word-like signs moving relative to a simple body (clips.render_clip)
- user recordings: one new signer holding each letter for N seconds (recordings.render_recording)
- signers: default vs "new" populations, the domain shift personalisation fixes (signers.py)
- writers: the on-disk layouts the loaders read (writers.py), behind `signport data synth`

Public functions are importable from here; the submodules load on first use so the CLI stays fast.
"""

from __future__ import annotations

import importlib

# Bump when rendering changes: outputs written by another version are regenerated, not reused.
GENERATOR_VERSION = "5"

_EXPORTS = {
    "render_letter": "letters", "letter_landmarks": "letters", "letter_template": "letters",
    "render_clip": "clips", "CLIP_GLOSSES": "clips", "DYNAMIC_SIGNS": "clips",
    "render_recording": "recordings", "iter_recording_frames": "recordings",
    "Signer": "signers", "sample_signer": "signers", "signer_for_index": "signers", "POPULATIONS": "signers",
    "HANDSHAPES": "handshapes",
    "SynthConfig": "config",
    "write_all": "writers", "write_kind": "writers",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
