"""Jobs in forked one-thread worker processes: every result, in the jobs' order."""
import os

import torch

from course_utils.engine.workers import can_fork, map_in_workers


def job(n):
    return n * n, os.getpid(), torch.get_num_threads()


def test_workers_give_every_result_in_order_from_other_processes():
    results = map_in_workers(job, [3, 1, 2, 5], workers=2, device=torch.device("cpu"))
    assert [r[0] for r in results] == [9, 1, 4, 25]
    if can_fork(torch.device("cpu")):
        assert {r[1] for r in results}.isdisjoint({os.getpid()})
        assert {r[2] for r in results} == {1}  # one thread each


def test_one_worker_runs_the_jobs_here():
    results = map_in_workers(job, [2, 4], workers=1, device=torch.device("cpu"))
    assert [r[0] for r in results] == [4, 16] and {r[1] for r in results} == {os.getpid()}
