"""Dataclass configs <-> argparse, so a config flows from the CLI to the code unchanged.

Each command declares one dataclass; its fields become flags (help from field metadata,
choices from `metadata["choices"]`), and the parsed namespace becomes that dataclass again.
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from pathlib import Path


def _unwrap_optional(tp):
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return tp, False


def add_dataclass_arguments(parser: argparse.ArgumentParser, cls: type, exclude: tuple[str, ...] = ()) -> None:
    """Add one `--flag-name` per dataclass field of `cls`."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.name in exclude or f.metadata.get("cli") is False:
            continue
        flag = "--" + f.name.replace("_", "-")
        tp, _ = _unwrap_optional(hints[f.name])
        default = f.default if f.default is not dataclasses.MISSING else (
            f.default_factory() if f.default_factory is not dataclasses.MISSING else None
        )
        kwargs: dict = {"help": f.metadata.get("help", ""), "default": default, "dest": f.name}
        if kwargs["help"] is not None and default is not None and tp is not bool:
            kwargs["help"] += f" (default: {default})"
        origin = typing.get_origin(tp)
        if tp is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        elif origin is typing.Literal:
            kwargs["choices"] = list(typing.get_args(tp))
            kwargs["type"] = type(typing.get_args(tp)[0])
        elif origin in (tuple, list):
            item_type = typing.get_args(tp)[0]
            kwargs["type"] = item_type
            kwargs["nargs"] = "+"
        else:
            kwargs["type"] = Path if tp is Path else tp
            if "choices" in f.metadata:
                kwargs["choices"] = f.metadata["choices"]
        if f.metadata.get("required"):
            kwargs["required"] = True
        parser.add_argument(flag, **kwargs)


def dataclass_from_args(cls: type, namespace: argparse.Namespace, **overrides):
    """Build `cls` from parsed args (fields missing from the namespace keep their defaults)."""
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        if f.name in overrides:
            values[f.name] = overrides[f.name]
        elif hasattr(namespace, f.name):
            value = getattr(namespace, f.name)
            tp, _ = _unwrap_optional(hints[f.name])
            if typing.get_origin(tp) is tuple and isinstance(value, list):
                value = tuple(value)
            values[f.name] = value
    return cls(**values)


def field_(default=dataclasses.MISSING, *, help: str = "", **metadata):
    """dataclasses.field with a CLI help string (mutable defaults go through a factory)."""
    meta = {"help": help, **metadata}
    if isinstance(default, (list, dict, set)):
        return dataclasses.field(default_factory=lambda d=default: type(d)(d), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)
