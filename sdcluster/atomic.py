"""Write files so that a crash never leaves a truncated file where a good one was.

Every file sdcluster saves (results, chunks, reports, figures, tables, XMILE twins)
is written to a temporary file in the target's folder and renamed into place, which
is atomic on one file system. The temporary file is removed if writing fails.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from sdcluster.errors import ResultsFileError, SdclusterError


def new_file_mode() -> int:
    """Return the mode a new file gets under the current umask.

    ``tempfile.mkstemp`` creates files readable by their owner only; the renamed
    file should have the permissions any other file the user saves has.
    """
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomically(
    target: str | os.PathLike[str],
    write: Callable[[Path], object],
    *,
    what: str = "the file",
    error: type[SdclusterError] = ResultsFileError,
) -> Path:
    """Call ``write`` on a temporary file beside ``target``, then rename it into place.

    Parameters
    ----------
    target : str or PathLike
        The file to create or replace.
    write : callable
        Writes the content to the path it is given.
    what : str
        What is written, for the error message (e.g. ``"results"``).
    error : type of SdclusterError
        The error raised when the folder or the file cannot be written.

    Returns
    -------
    Path
        ``target``.

    Raises
    ------
    SdclusterError
        Of type ``error``, naming the file, if it cannot be written.

    """
    path = Path(target)
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as failure:
        raise error(f"{path}: cannot write {what} ({failure.strerror or failure})") from None
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        os.chmod(temporary, new_file_mode())
        os.replace(temporary, path)
    except OSError as failure:
        raise error(f"{path}: cannot write {what} ({failure.strerror or failure})") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    return path


def require_writable_folder(target: str | os.PathLike[str]) -> None:
    """Fail early, before long work, if ``target``'s folder is missing or not writable.

    Raises
    ------
    ResultsFileError
        Naming the file and its folder.

    """
    path = Path(target)
    folder = path.parent
    if not folder.is_dir():
        raise ResultsFileError(f"{path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise ResultsFileError(f"{path}: folder {folder} is not writable")
