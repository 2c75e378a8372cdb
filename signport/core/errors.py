"""Our own exception types. The CLI turns them into one line and an exit code.

Exit codes: 0 success, 1 the job ran but failed (a verdict, a toolchain), 2 the input was
wrong (a path, a file, a flag) and the user can fix it.
"""


class SignportError(Exception):
    """Base for every error a user is meant to read. The message says what and what to do."""

    exit_code = 1


class InputError(SignportError):
    """A user-supplied file, folder or flag is wrong."""

    exit_code = 2


class DataError(InputError):
    """A dataset is missing, empty, unreadable or inconsistent."""


class CheckpointError(InputError):
    """A checkpoint or head file is missing, malformed or incompatible."""


class HeadMismatchError(CheckpointError):
    """A head was trained against another backbone, embedding size or label set."""


class BundleError(InputError):
    """A bundle's manifest does not match its files."""


class ToolchainError(SignportError):
    """An export or runtime toolchain failed or is unavailable here."""


class VerdictError(SignportError):
    """A parity or latency verdict failed."""


class OfflineError(SignportError):
    """A download was needed but the network is unreachable."""
