"""Registry: name -> entry for the product's plug-in tables (export formats, model families,
dataset loaders, runtimes). Two to four fixed choices are a plain dict instead."""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from typing import Generic, TypeVar

from signport.core.errors import InputError

T = TypeVar("T")


class Registry(MutableMapping[str, T], Generic[T]):
    """A name -> entry table that refuses a second entry under a taken name.

    Reads like a dict (`name in r`, `r[name]`, `r.items()`), keeps registration order, and
    `get_or_fail(name)` raises an InputError listing `choices()` for an unknown name.
    """

    def __init__(self, kind: str):
        self.kind = kind  # what an entry is, for messages: "export format", "model", ...
        self._entries: dict[str, T] = {}

    def __setitem__(self, name: str, entry: T) -> None:
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._entries[name] = entry

    def __getitem__(self, name: str) -> T:
        return self._entries[name]

    def __delitem__(self, name: str) -> None:
        del self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {list(self._entries)})"

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator: `@REGISTRY.register("name")` stores the decorated object and returns it unchanged."""

        def decorator(obj: T) -> T:
            self[name] = obj
            return obj

        return decorator

    def choices(self) -> tuple[str, ...]:
        """The registered names, sorted: for argparse `choices=` and error messages."""
        return tuple(sorted(self._entries))

    def get_or_fail(self, name: str) -> T:
        if name not in self._entries:
            raise InputError(f"unknown {self.kind} {name!r}; choose one of: {', '.join(self.choices())}")
        return self._entries[name]
