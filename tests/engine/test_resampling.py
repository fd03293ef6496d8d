"""The warp's resampling is F.affine_grid + F.grid_sample, exactly: the grid built from
broadcast sums, the banded grid_sample (bit-identical outputs, gradients to 1e-5)."""
import torch
from hypothesis import given
from hypothesis import strategies as st

from course_utils.engine import resampling
from course_utils.optim import transforms
from random_images import batches, quick, random_images, seeds, sides


@quick
@given(seed=seeds, n=batches, side=sides, out=st.integers(1, 64))
def test_affine_grid_matches_torch(seed, n, side, out):
    t = transforms.RandomAffine(degrees=45, scale=0.5, generator=torch.Generator().manual_seed(seed))
    theta = t.matrices(n, side)
    expected = torch.nn.functional.affine_grid(theta, [n, 3, out, out], align_corners=False)
    assert torch.allclose(resampling.affine_grid(theta, out), expected, atol=1e-6)


@quick
@given(seed=seeds, n=batches, side=sides, out=st.integers(1, 48), threads=st.integers(1, 4))
def test_banded_grid_sample_matches_torch(seed, n, side, out, threads):
    x = random_images(seed, n, side, side).requires_grad_(True)
    t = transforms.RandomAffine(degrees=45, scale=0.5, generator=torch.Generator().manual_seed(seed))
    grid = resampling.affine_grid(t.matrices(n, side), out)
    g = torch.randn(n, 3, out, out, generator=torch.Generator().manual_seed(seed))
    expected = torch.nn.functional.grid_sample(x, grid, align_corners=False)
    ref_grad, = torch.autograd.grad(expected, x, g)
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        ours = resampling.grid_sample(x, grid)
        grad, = torch.autograd.grad(ours, x, g)
    finally:
        torch.set_num_threads(previous)
    assert torch.equal(ours, expected)
    assert torch.allclose(grad, ref_grad, atol=1e-5)


@quick
@given(seed=seeds, n=batches, height=st.integers(1, 30), width=st.integers(1, 30))
def test_warp_is_grid_sample_of_the_affine_grid_on_any_rectangle(seed, n, height, width):
    x = random_images(seed, n, 12, 17)
    theta = transforms.RandomAffine(degrees=30, scale=0.3,
                                    generator=torch.Generator().manual_seed(seed)).matrices(n, 12)
    expected = torch.nn.functional.grid_sample(
        x, torch.nn.functional.affine_grid(theta, [n, 3, height, width], align_corners=False),
        align_corners=False)
    assert torch.allclose(resampling.warp(x, theta, height, width), expected, atol=1e-5)
