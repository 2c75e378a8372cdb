"""Shared truths that train/, export/, device_bench/ and the demos all read.

Labels, preprocessing constants, the head file format, checkpoints, fingerprints and the
bundle manifest live here and nowhere else.
"""
