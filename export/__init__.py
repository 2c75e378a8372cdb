"""signport.export: checkpoints to ExecuTorch, Core ML and ONNX bundles with a swappable head.

    signport export --from CKPT --formats executorch,coreml,onnx --quant fp32,int8 --calibration DIR --out BUNDLE
    signport swap-head --bundle BUNDLE --head my_head.safetensors

A bundle (described entirely by BUNDLE/manifest.json, schema in signport/core/manifest.schema.json):

    manifest.json                      preprocessing, labels, fingerprints, one row per artifact (sha256, size,
                                       inputs/outputs, export-time parity), rows not built and why, toolchain versions
    head.safetensors/.json/.bin        the current head (signport.core.heads); .bin is what the apps multiply with
    executorch/backbone-fp32.pte       input -> embedding, XNNPACK; also -int8, and -fp16-coreml (Core ML delegate)
    executorch/head-fp32.pte           embedding -> logits
    executorch/model-fp32.pte          fused backbone + head (--fused); swap-head removes fused models
    onnx/{backbone,head,model}-{fp32,int8}.onnx
    coreml/{backbone,model}-{fp16,int8,palettizedN}.mlpackage, coreml/head-fp32.mlpackage

Where things live: config.py (ExportConfig, the CLI flags), calibration.py (calibration and parity
inputs), modules.py (what is exported, pre-export transforms), formats/ (one file per format),
parity.py (metrics and verdict), pipeline.py (the stages), bundle.py (manifest rows, head files),
swap_head.py, cli.py. Running artifacts is signport.runtime's job.
"""
