"""`signport quickstart`: the product's main job end to end, as a composition of subcommands.

Every step is a `signport ...` command line run through the same CLI entry point a user
types, so the quickstart has no code path of its own beyond ordering, resuming and the
final report.
"""
