"""Dataclass configs <-> argparse, so a config flows from the CLI to the code unchanged.

Each command declares one dataclass; its fields become flags (help from field metadata,
choices from `metadata["choices"]`), and the parsed namespace becomes that dataclass again.
This is also the one place flags are checked: a field's allowed range (`ge`/`gt`/`le`/`lt`)
and path role (`path="in"` must exist, `path="out"` must be creatable) live in its metadata,
and `dataclass_from_args` rejects a bad value with the flag's name, the range and exit 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import types
import typing
from pathlib import Path

from signport.core.errors import InputError

# Range keys a field's metadata may carry, with how each reads in a message.
BOUNDS = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}


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
        # argparse formats help with %, so a literal "%" in our text must be doubled.
        help_text = (f.metadata.get("help") or "").replace("%", "%%")
        notes = [f"default: {default}"] if default is not None and tp is not bool else []
        if allowed_range(f):
            notes.append(allowed_range(f))
        if notes:
            help_text += f" ({'; '.join(notes)})".replace("%", "%%")
        kwargs: dict = {"help": help_text, "default": default, "dest": f.name}
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
    for f in dataclasses.fields(cls):
        if f.name in values and f.name not in overrides:
            check_flag(f, values[f.name])
    return cls(**values)


def flag_name(f: dataclasses.Field) -> str:
    return f.metadata.get("flag") or "--" + f.name.replace("_", "-")


def allowed_range(f: dataclasses.Field) -> str:
    """'>= 1', '> 0 and <= 1', or '' for a field without bounds."""
    return " and ".join(f"{BOUNDS[key]} {f.metadata[key]:g}" for key in BOUNDS if key in f.metadata)


def check_flag(f: dataclasses.Field, value) -> None:
    """Raise InputError naming the flag when `value` is outside the field's range or its path
    cannot be used. None (an unset optional flag) is always allowed."""
    if value is None:
        return
    items = value if isinstance(value, (tuple, list)) else (value,)
    bounds = allowed_range(f)
    for item in items:
        if bounds and isinstance(item, (int, float)) and not isinstance(item, bool):
            if not math.isfinite(item) or not _within(item, f.metadata):
                raise InputError(f"{flag_name(f)} {item}: must be {bounds}")
    role = f.metadata.get("path")
    if role == "in" and not Path(value).exists():
        raise InputError(f"{flag_name(f)} {value}: no such file or folder")
    if role == "out":
        problem = unwritable_reason(Path(value))
        if problem:
            raise InputError(f"{flag_name(f)} {value}: cannot write there ({problem}); choose another folder")


def _within(value: float, metadata) -> bool:
    return (value >= metadata.get("ge", -math.inf) and value > metadata.get("gt", -math.inf)
            and value <= metadata.get("le", math.inf) and value < metadata.get("lt", math.inf))


def unwritable_reason(path: Path) -> str | None:
    """Why `path` cannot be created or written (its nearest existing ancestor is a file or
    read-only), or None when it can."""
    if path.exists():
        return None if os.access(path, os.W_OK) else f"{path} is read-only"
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        return f"{ancestor} is a file, not a folder"
    if not os.access(ancestor, os.W_OK | os.X_OK):
        return f"{ancestor} is read-only"
    return None


def field_(default=dataclasses.MISSING, *, help: str = "", **metadata):
    """dataclasses.field with a CLI help string (mutable defaults go through a factory).

    Metadata the CLI reads: `choices`, `required`, `cli=False` (not a flag), `flag` (its name when
    not --field-name), the range `ge`/`gt`/`le`/`lt`, and `path="in"` (must exist) or `path="out"`
    (must be creatable); `dataclass_from_args` checks them all."""
    meta = {"help": help, **metadata}
    if isinstance(default, (list, dict, set)):
        return dataclasses.field(default_factory=lambda d=default: type(d)(d), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)
