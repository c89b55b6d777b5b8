"""The election record's container: a directory or a .zip of files, read within limits.

protocol.md Part II, §II.6 (layout) and §II.7 (limits). Reading is defensive: the record is
outside data that may have been built to hurt the reader. Only regular files are read (no
symbolic links, devices or pipes), names must be plain relative paths, every file is read
with a byte limit that does not trust sizes a zip declares, and the whole record has a byte
and a file-count limit. Any violation is a `RecordUnreadable` naming the file.

Writing is deterministic: sorted names, fixed zip timestamps, so the same record always
gives the same bytes, and a directory is written next to its destination and renamed into
place, so a crash never leaves half a record under the final name.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Self

from audit.errors import RecordUnreadable

NAME_PATTERN: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}(/[a-z0-9][a-z0-9_-]{0,63}){0,2}\.json")
"""A record file name: at most three lower-case path segments ending in `.json`."""

ZIP_METHODS: Final = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
"""The compression methods a record's zip may use."""

ZIP_TIMESTAMP: Final = (1980, 1, 1, 0, 0, 0)
"""The timestamp of every member of a written zip, so that the bytes are reproducible."""


@dataclass(frozen=True, slots=True)
class Limits:
    """What the reader accepts (protocol.md §II.7); the defaults fit 100,000 voters."""

    max_file_bytes: int = 256 * 2**20
    """Largest single file."""
    max_total_bytes: int = 16 * 2**30
    """Largest record, all files together."""
    max_files: int = 2_000_000
    """Most files in a record."""
    max_depth: int = 32
    """Deepest nesting of JSON arrays and objects."""
    max_integer_digits: int = 20
    """Longest JSON integer; every count and index is below 2**63 (19 digits)."""


DEFAULT_LIMITS: Final = Limits()

READ_CHUNK_BYTES: Final = 1 << 20
"""A record file is read a mebibyte at a time (see `RecordArchive.read`)."""


def _check_name(name: str) -> None:
    if not NAME_PATTERN.fullmatch(name):
        raise RecordUnreadable(name, "file-name", "not a file name a record may contain")


class RecordArchive:
    """Read access to the files of a record directory or zip, within `Limits`.

    Open with `RecordArchive.open(path)`; use as a context manager to close a zip.
    """

    __slots__ = ("_names", "_read_total", "_source", "limits", "path")

    def __init__(self, path: Path, limits: Limits, source: Path | zipfile.ZipFile) -> None:
        self.path = path
        self.limits = limits
        self._source = source
        self._read_total = 0
        self._names = self._list()

    @classmethod
    def open(cls, path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> Self:
        """Open the record at `path` (a directory, or a zip file).

        Raises `RecordUnreadable` ("record-missing", "record-type", "zip") when it is neither.
        """
        where = Path(path)
        try:
            mode = os.stat(where).st_mode
        except OSError as error:
            raise RecordUnreadable(str(where), "record-missing", error.strerror or "") from error
        if stat.S_ISDIR(mode):
            return cls(where, limits, where)
        if not stat.S_ISREG(mode):
            raise RecordUnreadable(str(where), "record-type", "neither a directory nor a file")
        try:
            archive = zipfile.ZipFile(where)
        except (zipfile.BadZipFile, OSError) as error:
            raise RecordUnreadable(
                str(where), "zip", f"not a readable zip file: {error}"
            ) from error
        try:
            return cls(where, limits, archive)
        except RecordUnreadable:
            archive.close()
            raise

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the underlying zip file, if any."""
        if isinstance(self._source, zipfile.ZipFile):
            self._source.close()

    def _list(self) -> frozenset[str]:
        names: list[str] = []
        source = self._source
        if isinstance(source, zipfile.ZipFile):
            names.extend(info.filename for info in source.infolist() if not info.is_dir())
        else:
            for root, directories, files in os.walk(source):
                directories.sort()
                names.extend(Path(root, file).relative_to(source).as_posix() for file in files)
                if len(names) > self.limits.max_files:
                    break
        if len(names) > self.limits.max_files:
            raise RecordUnreadable(
                str(self.path), "file-count", f"more than {self.limits.max_files} files"
            )
        if len(set(names)) != len(names):
            raise RecordUnreadable(str(self.path), "file-name", "a name occurs twice in the zip")
        return frozenset(names)

    def names(self) -> frozenset[str]:
        """Return the relative names (with `/`) of every file of the record."""
        return self._names

    def has(self, name: str) -> bool:
        """Return whether the record holds a file with this name."""
        return name in self._names

    def read(self, name: str) -> bytes:
        """Return the bytes of file `name`.

        Raises `RecordUnreadable` naming the file: "file-name" for a name outside the
        layout, "file-missing", "file-type" for anything but a regular file, "file-size"
        beyond `max_file_bytes`, "record-size" beyond `max_total_bytes`, "io" on errors.
        """
        _check_name(name)
        if name not in self._names:
            raise RecordUnreadable(name, "file-missing", "the record has no such file")
        limit = self.limits.max_file_bytes
        try:
            source = self._source
            if isinstance(source, zipfile.ZipFile):
                info = source.getinfo(name)
                if info.compress_type not in ZIP_METHODS or info.flag_bits & 0x1:
                    raise RecordUnreadable(name, "zip", "only stored or deflated, unencrypted")
                with source.open(info) as member:
                    data = member.read(limit + 1)
            else:
                data = self._read_regular(source / name, limit, name)
        except (OSError, zipfile.BadZipFile, EOFError, zlib.error) as error:
            raise RecordUnreadable(name, "io", f"cannot read: {error}") from error
        if len(data) > limit:
            raise RecordUnreadable(name, "file-size", f"larger than {limit} bytes")
        self._read_total += len(data)
        if self._read_total > self.limits.max_total_bytes:
            raise RecordUnreadable(
                name, "record-size", f"the record exceeds {self.limits.max_total_bytes} bytes"
            )
        return data

    @staticmethod
    def _read_regular(path: Path, limit: int, name: str) -> bytes:
        # O_NOFOLLOW: never follow a link out of the record; O_NONBLOCK: opening a pipe must
        # not wait for a writer (it has no effect on regular files).
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        descriptor = os.open(path, flags)
        with os.fdopen(descriptor, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise RecordUnreadable(name, "file-type", "not a regular file")
            # In chunks: `read(limit + 1)` would reserve the whole limit (256 MiB) up front
            # for every file, however small; one chunk past the limit is enough to refuse.
            chunks: list[bytes] = []
            total = 0
            while total <= limit and (chunk := file.read(READ_CHUNK_BYTES)):
                chunks.append(chunk)
                total += len(chunk)
            return b"".join(chunks)


def write_files(path: str | os.PathLike[str], files: Mapping[str, bytes]) -> Path:
    """Write `files` (relative name → bytes) as a record at `path`, replacing nothing.

    A path ending in `.zip` gets a deterministic zip; any other path a directory. Raises
    `FileExistsError` if `path` exists, and `RecordUnreadable` ("file-name") for a name
    outside the layout.
    """
    target = Path(path)
    for name in files:
        _check_name(name)
    if target.exists():
        raise FileExistsError(f"{target} exists; a record is never overwritten")
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.suffix == ".zip":
        temporary = target.with_name(f".{target.name}.partial")
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(files):
                info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, files[name])
        temporary.replace(target)
        return target
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for name in sorted(files):
            file = staging / name
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_bytes(files[name])
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
