"""Fixtures for the per-notebook runs (one file per notebook, so that pytest-xdist's
``--dist loadfile`` spreads the notebooks over the workers)."""
import pytest


@pytest.fixture(scope="session")
def torch_home(tmp_path_factory):
    """A TORCH_HOME holding an InceptionV1 weights file (random values, right shapes)."""
    from inception_weights import write_weights

    home = tmp_path_factory.mktemp("torch_home")
    write_weights(home / "hub" / "checkpoints" / "inception5h.pth")
    return home
