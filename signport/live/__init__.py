"""Live recognition: frames -> hand -> model -> smoothed prediction -> text, with per-stage timings.

Pure decision logic (smoothing, fingerspelling) lives in its own modules so it can be tested
frame by frame without a camera, a model or MediaPipe.
"""
