"""signport.export: checkpoints to ExecuTorch, Core ML and ONNX bundles with a swappable head."""
