"""Debug companions of an ExecuTorch program: the ETRecord written beside each .pte.

An ETRecord holds the exported graph before and after lowering plus the debug-handle map, so
ExecuTorch's Inspector can name the layers behind the runtime's per-operator events (ETDump).
It is a development file: apps load only the .pte.
"""

from __future__ import annotations

from pathlib import Path

ETRECORD_SUFFIX = ".etrecord"


def etrecord_path(pte_path: Path | str) -> Path:
    return Path(pte_path).with_suffix(ETRECORD_SUFFIX)


def save_etrecord(executorch_program, pte_path: Path, relative_path: str) -> str:
    """Write the ETRecord of `executorch_program` (lowered with generate_etrecord=True) beside
    `pte_path`; returns its bundle-relative path for the manifest row."""
    executorch_program.get_etrecord().save(str(etrecord_path(pte_path)))
    return str(etrecord_path(relative_path))
