"""Chunk files of a run folder: member ranges, one netCDF file per finished chunk.

An ensemble runs as *chunks*, consecutive ranges of global member ids
``[start, stop)`` (:func:`plan_chunks`). A :class:`ChunkStore` keeps each
finished chunk in its own file of a run folder, named by chunk index and a key
of the spec (:func:`spec_key`), so an interrupted run resumes where it stopped
and a folder never mixes two specs' members. Every file is written to a
temporary name and renamed into place. The executors that produce the chunks
are in :mod:`sdcluster.engine.executors`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xarray as xr

from sdcluster.errors import ResultsFileError
from sdcluster.experiments.counts import check_count
from sdcluster.results.atomic import write_atomically
from sdcluster.results.dataset import MEMBER_DIM
from sdcluster.results.netcdf_names import decode_names, encode_names

__all__ = ["DEFAULT_CHUNK_SIZE", "Chunk", "ChunkStore", "plan_chunks", "spec_key"]

logger = logging.getLogger(__name__)

#: Members per chunk by default: a run's chunk size, and the most members the
#: batch engine integrates together. A step costs about a
#: microsecond of Python and NumPy overhead per operation whatever the number
#: of members, so larger chunks are cheaper per member; measured on the
#: built-in model (2 cores, 1.25 MiB L2 each), 10,000 beat 5,000 by about 2 %
#: and 4,096 by about 10 % (the working arrays then outgrow the L2 cache, but
#: the overhead saved matters more), and 20,000 gained nothing further.
DEFAULT_CHUNK_SIZE = 10_000

_MANIFEST = "ensemble.json"
# Manifest keys: who wrote it, and whether the run created the folder.
_WRITTEN_BY, _CREATED_FOLDER = "written_by", "created_folder"
_CHUNK_FILE = re.compile(r"chunk-(\d{6,})-([0-9a-f]{16})\.nc\Z")


@dataclass(frozen=True)
class Chunk:
    """One range of global member ids.

    Attributes
    ----------
    index : int
        Position of the chunk in the ensemble (0, 1, ...).
    start, stop : int
        The members ``start, ..., stop - 1``.

    """

    index: int
    start: int
    stop: int

    @property
    def size(self) -> int:
        """Return the number of members in the chunk."""
        return self.stop - self.start


def plan_chunks(n_members: int, chunk_size: int) -> tuple[Chunk, ...]:
    """Split members ``0 .. n_members - 1`` into chunks of ``chunk_size`` (the last may be short).

    Raises
    ------
    SpecError
        If either number is not an integer of at least 1
        (:func:`~sdcluster.experiments.counts.check_count`).

    """
    n_members = check_count("n_members", n_members)
    chunk_size = check_count("chunk_size", chunk_size)
    return tuple(
        Chunk(index, start, min(start + chunk_size, n_members))
        for index, start in enumerate(range(0, n_members, chunk_size))
    )


class ChunkStore:
    """A run folder: one netCDF file per finished chunk, named by chunk index and spec hash.

    File names are ``chunk-<index>-<key>.nc`` where ``key`` is the first 16
    hex digits of a hash of everything that determines the members' values
    (see :func:`spec_key`). Files of another key (another spec) in the same
    folder are ignored, never mixed in. ``ensemble.json`` records the spec
    the key stands for.

    Parameters
    ----------
    folder : str or PathLike
        The run folder; created if missing.
    key : str
        16 hex digits naming this spec's chunks.
    manifest : Mapping, optional
        What the key stands for, written to ``ensemble.json`` (JSON-able).

    Raises
    ------
    ResultsFileError
        If the folder cannot be created or written.

    """

    def __init__(self, folder: str | os.PathLike[str], key: str,
                 manifest: Mapping[str, Any] | None = None) -> None:
        if not re.fullmatch(r"[0-9a-f]{16}", key):
            raise ValueError(f"chunk store key must be 16 hex digits, got {key!r}")
        self.folder = Path(folder)
        self.key = key
        self._verified: set[int] | None = None
        created = not self.folder.exists()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ResultsFileError(
                f"{self.folder}: cannot create the run folder ({error.strerror or error})"
            ) from None
        self._remove_temporaries()
        if manifest is not None:
            self._write_manifest(manifest, created)

    def _write_manifest(self, manifest: Mapping[str, Any], created: bool) -> None:
        path = self.folder / _MANIFEST
        previous = _own_manifest(path)
        if path.exists() and previous is None:
            raise ResultsFileError(
                f"{path}: this file was not written by sdcluster; refusing to overwrite it "
                "(expected a new or an sdcluster run folder for --run-dir)"
            )
        # The folder is sdcluster's to delete only if a run of it created the folder.
        created = created or bool((previous or {}).get(_CREATED_FOLDER))
        text = json.dumps({"key": self.key, _WRITTEN_BY: "sdcluster", _CREATED_FOLDER: created,
                           **manifest}, indent=2, sort_keys=True, default=str)
        write_atomically(path, lambda target: target.write_text(text))

    def __repr__(self) -> str:
        return f"ChunkStore({str(self.folder)!r}, key={self.key!r})"

    def path(self, chunk: Chunk) -> Path:
        """Return the file of one chunk."""
        return self._file(chunk.index)

    def _file(self, index: int) -> Path:
        return self.folder / f"chunk-{index:06d}-{self.key}.nc"

    def finished(self) -> set[int]:
        """Return the indices of the chunks of this key already in the folder."""
        done = set()
        for file in self.folder.iterdir():
            match = _CHUNK_FILE.match(file.name)
            if match and match.group(2) == self.key:
                done.add(int(match.group(1)))
        return done

    def files(self, chunks: Iterable[Chunk]) -> list[Path]:
        """Return the files of ``chunks``, in order.

        Raises
        ------
        ResultsFileError
            If a chunk has no file yet.

        """
        paths = [self.path(chunk) for chunk in chunks]
        missing = [p.name for p in paths if not p.is_file()]
        if missing:
            raise ResultsFileError(f"{self.folder}: chunks not finished: {', '.join(missing[:5])}")
        return paths

    def write(self, chunk: Chunk, dataset: xr.Dataset) -> Path:
        """Write one chunk's dataset to its file, atomically."""
        target = self.path(chunk)
        encoded = encode_names(dataset)
        write_atomically(target, lambda path: encoded.to_netcdf(path, engine="netcdf4"))
        return target

    def open(self, chunks: Sequence[Chunk]) -> xr.Dataset:
        """Open the chunks' files as one lazy (Dask-backed) dataset along ``"member"``."""
        files = self.files(chunks)
        try:
            combined = xr.open_mfdataset(
                files, combine="nested", concat_dim=MEMBER_DIM, data_vars="minimal",
                coords="minimal", compat="override", join="exact", engine="netcdf4",
                parallel=False, combine_attrs="override",
            )
        except (OSError, ValueError) as error:
            raise ResultsFileError(
                f"{self.folder}: cannot open the chunk files ({error})"
            ) from None
        return decode_names(combined)

    def verified(self, chunks: Iterable[Chunk]) -> set[int]:
        """Return the indices of ``chunks`` whose files are complete and hold their members.

        A chunk file that cannot be read, or holds other members than its
        chunk's, is removed (it is this key's file, written by sdcluster) so
        the chunk runs again.
        """
        if self._verified is None:
            finished = self.finished()
            good = set()
            for chunk in chunks:
                if chunk.index not in finished:
                    continue
                problem = _chunk_problem(self.path(chunk), chunk)
                if problem is None:
                    good.add(chunk.index)
                    continue
                logger.warning("%s is damaged (%s); running chunk %d again",
                               self.path(chunk).name, problem, chunk.index)
                with contextlib.suppress(FileNotFoundError):
                    self.path(chunk).unlink()
            self._verified = good
        return set(self._verified)

    def remove(self) -> None:
        """Delete this key's chunk files and its manifest; the folder if sdcluster created it.

        Nothing else is deleted: not a file sdcluster did not write, not a
        folder the user made.
        """
        for index in self.finished():
            with contextlib.suppress(FileNotFoundError):
                self._file(index).unlink()
        self._remove_manifest()

    def discard_if_empty(self) -> None:
        """After a failed run: remove the manifest and the folder if no chunk was finished."""
        if not self.finished():
            self._remove_manifest()

    def _remove_manifest(self) -> None:
        path = self.folder / _MANIFEST
        own = _own_manifest(path)
        if own is None or own.get("key") != self.key:
            return
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        if own.get(_CREATED_FOLDER):
            with contextlib.suppress(OSError):
                self.folder.rmdir()  # only if empty

    def _remove_temporaries(self) -> None:
        # Left by a process killed while writing (write_atomically names them
        # ".<target name>.<random>.tmp"); never a finished chunk.
        for pattern in (".chunk-*.tmp", f".{_MANIFEST}.*.tmp"):
            for file in self.folder.glob(pattern):
                with contextlib.suppress(FileNotFoundError):
                    file.unlink()


def _own_manifest(path: Path) -> dict[str, Any] | None:
    """Return the manifest at ``path`` if sdcluster wrote it, else ``None``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not re.fullmatch(r"[0-9a-f]{16}", str(data.get("key"))):
        return None
    # Manifests written before the marker existed hold the spec's chunk size and seed.
    legacy = {"chunk_size", "n_members", "seed"} <= set(data)
    return data if data.get(_WRITTEN_BY) == "sdcluster" or legacy else None


def _chunk_problem(path: Path, chunk: Chunk) -> str | None:
    """Return what is wrong with a chunk file, or ``None`` if it is complete and right."""
    import numpy as np

    try:
        with xr.open_dataset(path, engine="netcdf4") as stored:
            members = stored[MEMBER_DIM].values if MEMBER_DIM in stored.coords else None
            for variable in stored.data_vars.values():
                variable.load()  # every value readable
    except Exception as error:  # a damaged file fails in netCDF4/HDF5 in many ways
        return f"unreadable: {type(error).__name__}"
    expected = np.arange(chunk.start, chunk.stop)
    if members is None or members.shape != expected.shape or not (members == expected).all():
        return f"expected members {chunk.start} to {chunk.stop - 1}"
    return None


def spec_key(description: Mapping[str, Any], *extra: bytes) -> str:
    """Return 16 hex digits hashing a JSON-able description and extra bytes (e.g. arrays)."""
    digest = hashlib.sha256(json.dumps(description, sort_keys=True, default=str).encode())
    for blob in extra:
        digest.update(hashlib.sha256(blob).digest())
    return digest.hexdigest()[:16]
