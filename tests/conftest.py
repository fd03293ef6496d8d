"""Shared fixtures: the real offline model (loaded once) and a tiny hand-built model."""
import os

import pytest
import torch
from torch import nn

torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


@pytest.fixture(scope="session")
def effnet():
    from course_utils.models import load_model

    return load_model("efficientnet_lite0", device="cpu")


class TinyNet(nn.Module):
    """conv(3→4) → relu → conv(4→6) → global mean → linear(6→5): small enough to check by hand."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(4, 6, 3, padding=1, stride=2)
        self.relu2 = nn.ReLU()
        self.fc = nn.Linear(6, 5)

    def forward(self, x):
        x = self.relu2(self.conv2(self.relu1(self.conv1(x))))
        return self.fc(x.mean((-2, -1)))


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
