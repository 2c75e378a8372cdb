"""Hands: the MediaPipe hand model file (fetch/build/cache), the HandLandmarker wrapper, and the
crop / landmark-mask geometry that turns a detected hand into model input."""
