"""The `signport` command: one entry point, one subcommand per job.

Each area of the product registers its own subcommands from its own `cli` module (listed
in COMMAND_MODULES); heavy libraries are imported inside the handlers so `signport --help`
stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import sys

from signport import __version__
from signport.core.errors import SignportError

# Each module exposes `register(subparsers)`; order is the order shown in --help.
COMMAND_MODULES = (
    "signport.quickstart.cli",
    "signport.data.cli",
    "signport.train.cli",
    "signport.export.cli",
    "signport.device_bench.cli",
    "signport.live.cli",
    "signport.hands.cli",
)


NOISY_LOGGERS = ("coremltools", "torch.utils._pytree", "torch._export", "torch.onnx", "onnxscript", "executorch")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="signport",
        description="Train sign-language recognizers, export them to phones with a hot-swappable head, and prove parity and 30 fps.",
    )
    parser.add_argument("--version", action="version", version=f"signport {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show debug logs and full tracebacks")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so every `finally` (staging folders, partial files) runs."""


_MAIN_PID = os.getpid()


def _terminate(signum, _frame) -> None:
    if os.getpid() != _MAIN_PID:
        # A forked worker (e.g. a multiprocessing pool's) inherits this handler; Pool.terminate() stops
        # workers with SIGTERM, and one that raised here instead of dying could hang its pool's exit.
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    raise Terminated(signum)


def main(argv: list[str] | None = None) -> int:
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(message)s")
    if not args.verbose:
        # Toolchain chatter that is not about the user's job (untested-version notes, Mac-only
        # proxies missing on Linux, deprecations inside torch); -v shows it.
        for name in NOISY_LOGGERS:
            logging.getLogger(name).setLevel(logging.ERROR)
        # ExecuTorch's Core ML backend pins its loggers' levels from this variable at import.
        os.environ.setdefault("ET_COREML_LOG_LEVEL", "ERROR")
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        result = args.handler(args)
    except SignportError as e:
        if args.verbose:
            raise
        print(f"signport {args.command}: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt as e:
        print(f"signport {args.command}: interrupted", file=sys.stderr)
        return 143 if isinstance(e, Terminated) else 130
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
