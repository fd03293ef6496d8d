"""Run independent jobs in several one-thread worker processes.

On a small CPU, two one-thread processes get more work done than one two-thread process,
because each step of a batch-1 render cannot keep two threads busy. Workers are forked,
so they share the already-loaded model; where ``fork`` is missing, on a GPU, or with one
worker, the jobs run one after the other in this process.
"""
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, List, Sequence

import torch

_TASK = None  # set in the parent just before forking; read by the workers


def _work(job):
    torch.set_num_threads(1)
    return _TASK(job)


def can_fork(device: torch.device) -> bool:
    return device.type == "cpu" and "fork" in mp.get_all_start_methods()


def map_in_workers(task: Callable, jobs: Sequence, workers: int, device: torch.device) -> List:
    """``[task(job) for job in jobs]``, spread over ``workers`` forked processes."""
    jobs = list(jobs)
    workers = max(1, min(workers, len(jobs)))
    if workers == 1 or not can_fork(device):
        return [task(job) for job in jobs]
    global _TASK
    _TASK = task
    try:
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            return list(pool.map(_work, jobs))
    finally:
        _TASK = None
