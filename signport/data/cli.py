"""`signport data ...`: generate synthetic data and inspect datasets."""

from __future__ import annotations


def register(subparsers) -> None:
    parser = subparsers.add_parser("data", help="generate synthetic data, inspect datasets")
    parser.set_defaults(handler=lambda args: parser.print_help() or 2)
    parser.add_subparsers(dest="data_command", metavar="DATA_COMMAND")
