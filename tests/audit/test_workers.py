"""The verifier's worker pool (audit/workers.py): in-process for one worker, one pool reused."""

from __future__ import annotations

from audit.workers import Workers


def test_one_worker_runs_everything_in_this_process() -> None:
    with Workers(1) as workers:
        assert list(workers.map(abs, [-1, -2, 3])) == [1, 2, 3]
        assert workers.count == 1


def test_a_pool_is_started_once_and_reused_in_order() -> None:
    with Workers(2) as workers:
        assert list(workers.map(abs, [-3, -1, -2])) == [3, 1, 2]
        first = workers._pool
        assert first is not None
        assert list(workers.map(abs, [-5, 4])) == [5, 4]
        assert workers._pool is first
        assert list(workers.map(abs, [-7])) == [7]
    assert workers._pool is None
