"""Shared fixtures: the real offline model (loaded once) and a tiny hand-built model."""
import os

import pytest
import torch
from tiny_net import TinyNet

# One thread per pytest-xdist worker: two workers already fill two cores, and more
# compute threads than cores make OpenMP's waiting threads spin against each other.
torch.set_num_threads(1 if os.environ.get("PYTEST_XDIST_WORKER") else min(2, os.cpu_count() or 1))


@pytest.fixture(scope="session")
def effnet():
    from course_utils.models import load_model

    return load_model("efficientnet_lite0", device="cpu")


@pytest.fixture
def tiny():
    from course_utils.models import wrap_module

    torch.manual_seed(0)
    return wrap_module(TinyNet(), name="tiny", input_size=16,
                       stages={"early": "conv1", "mid": "conv2", "late": "relu2"})


# tests/runs/ imports the shared runner (notebook_runs) from this folder
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))


def pytest_addoption(parser):
    """Options of the checks on the built site (tests/site/), which `make test` runs
    after building it."""
    parser.addoption("--site-dir", default=None,
                     help="the built course site to check (make test passes build)")
    parser.addoption("--chromium", default="/usr/bin/chromium",
                     help="the Chromium the browser tests drive")
