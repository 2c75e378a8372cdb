"""signport.device_bench: parity and latency of bundles on desktop emulation and real devices."""
