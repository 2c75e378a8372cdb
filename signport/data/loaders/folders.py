"""Folder-per-class layouts shared by the image and recording loaders."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from signport.core.errors import DataError
from signport.core.labels import ASL_LETTERS, canonical_label


def visible_children(folder: Path) -> list[Path]:
    """Entries of `folder`, sorted, without hidden ones ('.DS_Store', macOS '._x', our own '.x.tmp' files)."""
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def files_with_suffix(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    return [p for p in visible_children(folder) if p.is_file() and p.suffix.lower() in suffixes]


def has_class_folder_with(root: Path, suffixes: tuple[str, ...]) -> bool:
    """True when some sub-folder of `root` holds a file with one of `suffixes` (layout detection)."""
    if not root.is_dir():
        return False
    return any(child.is_dir() and files_with_suffix(child, suffixes) for child in visible_children(root))


def ordered_classes(labels: Iterable[str]) -> list[str]:
    """ASL_LETTERS order for letter sets (A-Z, del, nothing, space), sorted otherwise."""
    present = set(labels)
    if present <= set(ASL_LETTERS):
        return [c for c in ASL_LETTERS if c in present]
    return sorted(present)


def class_folders(root: Path, suffixes: tuple[str, ...], what: str) -> dict[str, list[Path]]:
    """{canonical class label: its files} for ROOT/<Class>/*<suffix>; DataError on empty or clashing folders."""
    folders = [child for child in visible_children(root) if child.is_dir()]
    if not folders:
        raise DataError(f"{root} has no class folders; expected {root}/<Class>/*{'|'.join(suffixes)}")
    by_label: dict[str, list[Path]] = {}
    folder_of: dict[str, Path] = {}
    for folder in folders:
        label = canonical_label(folder.name)
        if label in folder_of:
            raise DataError(
                f"class folders {folder_of[label]} and {folder} both mean class {label!r}; merge or rename one"
            )
        files = files_with_suffix(folder, suffixes)
        if not files:
            raise DataError(
                f"class folder {folder} has no {what} ({', '.join(suffixes)}); add some or remove the folder"
            )
        folder_of[label] = folder
        by_label[label] = files
    return by_label
