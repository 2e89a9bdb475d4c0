"""Write files so that a crash never leaves a truncated file where a good one was.

Every file sdcluster saves (results, chunks, reports, figures, tables, XMILE twins)
is written to a temporary file in the target's folder and renamed into place, which
is atomic on one file system. The temporary file is removed if writing fails, and
one left by a killed process is removed when the next command starts writing the
same output (:func:`require_writable_folder`). :func:`refuse_overwriting_inputs`
is the one guard that keeps an output from replacing a file the command reads.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from sdcluster.errors import ResultsFileError, SdclusterError, first_line


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
    except RuntimeError as failure:
        # netCDF4 reports a full disk or a failed HDF5 write as RuntimeError.
        raise error(f"{path}: cannot write {what} ({first_line(failure)})") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    return path


def require_writable_folder(target: str | os.PathLike[str]) -> None:
    """Fail early, before long work, if ``target`` cannot be written; clear its stale temporaries.

    A temporary file of ``target`` (``.<name>.XXXXXXXX.tmp``, see
    :func:`write_atomically`) that is still there was left by a process killed
    while saving; it is removed.

    Raises
    ------
    ResultsFileError
        Naming the file: its folder is missing or not writable, or it is a folder.

    """
    path = Path(target)
    folder = path.parent
    if not folder.is_dir():
        raise ResultsFileError(f"{path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise ResultsFileError(f"{path}: folder {folder} is not writable")
    if path.is_dir():
        raise ResultsFileError(f"{path}: is a folder; expected the name of a file to write")
    remove_stale_temporaries(path)


def remove_stale_temporaries(target: str | os.PathLike[str]) -> list[Path]:
    """Delete the temporary files :func:`write_atomically` left beside ``target``; return them."""
    path = Path(target)
    # mkstemp's names: the prefix, 8 characters of [a-z0-9_], the suffix.
    pattern = re.compile(re.escape(f".{path.name}.") + r"[a-z0-9_]{8}" + re.escape(".tmp") + r"\Z")
    removed = []
    with contextlib.suppress(OSError):
        for file in path.parent.iterdir():
            if pattern.match(file.name) and file.is_file() and not file.is_symlink():
                with contextlib.suppress(FileNotFoundError):
                    file.unlink()
                    removed.append(file)
    return removed


def same_file(first: str | os.PathLike[str], second: str | os.PathLike[str]) -> bool:
    """Return whether two paths name one file (after symbolic links; hard links too)."""
    a, b = Path(first), Path(second)
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def refuse_overwriting_inputs(outputs: Mapping[str, str | os.PathLike[str] | None],
                              inputs: Iterable[str | os.PathLike[str] | None]) -> None:
    """Refuse outputs that would replace an input file, or that name one file twice.

    Parameters
    ----------
    outputs : Mapping
        Option (e.g. ``"--out"``) -> the file it writes; ``None`` entries are skipped.
    inputs : iterable of path
        The files the command reads (model, scenario and checks files, results).

    Raises
    ------
    ResultsFileError
        ``"<out>: --out is the input file <input>; ..."``.

    """
    sources = [Path(p) for p in inputs if p is not None]
    chosen: list[tuple[str, Path]] = []
    for option, value in outputs.items():
        if value is None:
            continue
        out = Path(value)
        for source in sources:
            if same_file(out, source):
                raise ResultsFileError(f"{out}: {option} is the input file {source}; refusing to "
                                       f"overwrite it (expected another file for {option})")
        for other, earlier in chosen:
            if same_file(out, earlier):
                raise ResultsFileError(f"{out}: given to both {other} and {option}; expected "
                                       "a different file for each")
        chosen.append((option, out))
