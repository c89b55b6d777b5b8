"""The verifier's worker processes: one pool, shared by the log scan and the ballot checks.

protocol.md Part II, §II.8. Processes are started with `spawn` (the same on Linux, macOS and
Windows, and safe in a process that has threads); with one worker, or one piece of work,
everything runs in this process. Work functions live at module level in audit/ so that a
spawned process can import them, and take and return only picklable values.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.pool import Pool
from types import TracebackType
from typing import Self, TypeVar

_T = TypeVar("_T")
_R = TypeVar("_R")


class Workers:
    """`count` processes, started on first use and stopped when the `with` block ends."""

    __slots__ = ("_pool", "count")

    def __init__(self, count: int) -> None:
        self.count = max(1, count)
        self._pool: Pool | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def map(self, function: Callable[[_T], _R], items: Sequence[_T]) -> Iterator[_R]:
        """Yield `function(item)` for each item, in order."""
        if self.count == 1 or len(items) <= 1:
            return map(function, items)
        if self._pool is None:
            self._pool = multiprocessing.get_context("spawn").Pool(self.count)
        return self._pool.imap(function, items)
