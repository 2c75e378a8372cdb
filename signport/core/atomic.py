"""Atomic writes: a file or folder either appears complete or not at all.

Everything is written to a temporary sibling and renamed into place, so a crash or a failed
export never leaves a half-written file or a stale manifest beside new artifacts.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno as _errno
import functools
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Iterator


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp creates 0600 files; give the result the permissions a plain open() would.
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


def write_text(path: str | os.PathLike, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike, obj) -> Path:
    return write_text(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")


@contextlib.contextmanager
def staged_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to `path` for a writer that insists on its own file name
    handling (torch.save, cv2.VideoWriter); rename it into place only on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            (shutil.rmtree if tmp.is_dir() else os.unlink)(tmp)


STAGING, RETIRED = "staging", "retired"


@contextlib.contextmanager
def staged_directory(final_dir: str | os.PathLike) -> Iterator[Path]:
    """Build a directory in a temporary sibling; swap it into place only if the block succeeds.

    An existing `final_dir` is replaced whole on success and left untouched on failure. Readers
    see the old folder or the new one, never a mix: on Linux the two are exchanged in one
    renameat2(RENAME_EXCHANGE); elsewhere the old one is moved aside first and moved back if the
    second rename fails. The staging and retired siblings are removed on every exit an
    exception or a signal that Python sees (SIGINT, and SIGTERM under the CLI) can take; what
    a SIGKILL leaves is removed by `clean_stale_siblings` at the next run on the same folder.
    """
    final_dir = Path(final_dir)
    final_dir.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_siblings(final_dir)
    staging = Path(tempfile.mkdtemp(dir=final_dir.parent, prefix=_sibling_prefix(final_dir, STAGING)))
    retired = None
    try:
        os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes 0700 folders
        yield staging
        if final_dir.exists() and _exchange(staging, final_dir):
            retired = staging  # the old folder now sits at the staging path
        else:
            if final_dir.exists():
                retired = Path(tempfile.mkdtemp(dir=final_dir.parent, prefix=_sibling_prefix(final_dir, RETIRED)))
                os.replace(final_dir, retired)  # replaces the empty placeholder folder
            try:
                os.replace(staging, final_dir)
            except BaseException:
                if retired is not None and not final_dir.exists():
                    os.replace(retired, final_dir)
                    retired = None
                raise
    finally:
        for leftover in (staging, retired):
            if leftover is not None and leftover != final_dir:
                shutil.rmtree(leftover, ignore_errors=True)


def _sibling_prefix(final_dir: Path, kind: str) -> str:
    return f".{final_dir.name}.{kind}-{os.getpid()}-"


def clean_stale_siblings(final_dir: str | os.PathLike) -> list[Path]:
    """Remove the staging/retired siblings of `final_dir` that a killed run left behind (their
    process is gone); restore a retired folder if the kill came between the two renames of the
    non-Linux swap. Returns what was removed or restored. Siblings of a live process are kept."""
    final_dir = Path(final_dir)
    if not final_dir.parent.is_dir():
        return []
    handled = []
    for kind in (RETIRED, STAGING):  # retired first: it may be the only complete copy
        for sibling in sorted(final_dir.parent.glob(f".{glob_escape(final_dir.name)}.{kind}-*")):
            pid = _owner_pid(sibling.name.rsplit(f".{kind}-", 1)[1])
            if pid is not None and pid != os.getpid() and _alive(pid):
                continue
            if kind == RETIRED and not final_dir.exists() and sibling.is_dir():
                os.replace(sibling, final_dir)
            else:
                (shutil.rmtree if sibling.is_dir() and not sibling.is_symlink() else os.unlink)(sibling)
            handled.append(sibling)
    return handled


def glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _owner_pid(suffix: str) -> int | None:
    head = suffix.split("-", 1)[0]
    return int(head) if head.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (_errno.ENOSYS, _errno.EINVAL, _errno.EOPNOTSUPP):  # kernel or filesystem without it
        return False
    raise OSError(errno, os.strerror(errno), str(b))


@functools.lru_cache(maxsize=1)
def _renameat2():
    if sys.platform != "linux":
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # a libc older than glibc 2.28
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function
