"""What the property tests of images draw: seeded image batches of small sizes, with the
edges of [0, 1] included, and a modest number of Hypothesis examples."""
import torch
from hypothesis import settings
from hypothesis import strategies as st

quick = settings(max_examples=25, deadline=None)  # modest counts keep the suite fast
seeds = st.integers(0, 2 ** 31 - 1)
sides = st.integers(8, 40)
batches = st.integers(1, 3)
unit_floats = st.floats(0, 1)


def random_images(seed: int, n: int, h: int, w: int) -> torch.Tensor:
    """Images in [0, 1] with exact 0s and 1s included (the edges of the range)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 3, h, w, generator=g)
    x[..., 0, 0], x[..., -1, -1] = 0.0, 1.0
    return x


def in_unit_range(x: torch.Tensor) -> bool:
    return bool(torch.isfinite(x).all()) and -1e-6 <= float(x.min()) and float(x.max()) <= 1 + 1e-6
