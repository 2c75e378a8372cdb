"""signport.streaming: 3-D video models on a live stream.

- sliding_window: the clip model re-run every k frames over a ring buffer of preprocessed frames,
  with the per-frame latency budget that k must meet.
- causal: a causal model stepped frame by frame with explicit states (exportable StreamingStep).
"""
