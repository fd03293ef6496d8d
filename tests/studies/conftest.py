"""What the studies' tests share: the colour network and a cache folder of its own for
each test; the two trained scan models (trained once per process)."""
import pytest
import torch

from colour_world import SIDE, ColourNet
from course_utils.models import wrap_module
from course_utils.studies.shortcut_data import make_scans
from course_utils.studies.shortcut_model import as_course_model, train_scan_model


@pytest.fixture(scope="session")
def trained():
    """The shortcut model (tags agree 95 %) and the fixed one (random tags), small."""
    torch.manual_seed(0)
    shortcut, _ = train_scan_model("agree", seed=0, n=1500, epochs=4, progress=False)
    fixed, _ = train_scan_model("random", seed=0, n=1500, epochs=4, progress=False)
    return as_course_model(shortcut, "shortcut"), as_course_model(fixed, "fixed")


@pytest.fixture(scope="session")
def splits():
    return {"held-out": make_scans(400, seed=100),
            "swapped": make_scans(400, seed=101, tags="swapped", stripe_agreement=1.0),
            "no tag": make_scans(400, seed=102, tags="none", stripe_agreement=1.0)}


@pytest.fixture(scope="module")
def colour():
    """ColourNet as a course model (stages: early = its colour features, mid = its output)."""
    return wrap_module(ColourNet(), name="colournet", input_size=SIDE,
                       stages={"early": "feat", "mid": "out"})


@pytest.fixture(autouse=True)
def cache(monkeypatch, tmp_path):
    """Each test reads and writes the bank activations' cache in its own folder."""
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path))
    return tmp_path
