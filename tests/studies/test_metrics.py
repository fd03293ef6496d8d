"""Metrics checked against values worked out by hand or with NumPy."""
import math

import numpy as np
import pytest
import torch

from course_utils.errors import CourseError
from course_utils.studies.metrics import (class_rank, consistency, cosine_matrix, total_variation,
                                  high_frequency_score, mean_pairwise_distance)


def wave(size, cycles_y, cycles_x, amplitude=1.0):
    """A 3-channel cosine with an exact number of cycles across the image."""
    y, x = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    w = amplitude * torch.cos(2 * math.pi * (cycles_y * y + cycles_x * x) / size)
    return w.expand(3, size, size).clone()


def test_flat_image_scores_zero():
    assert high_frequency_score(torch.full((2, 3, 16, 16), 0.7)).tolist() == [0.0, 0.0]


def test_checkerboard_scores_one():
    y, x = np.indices((16, 16))
    board = torch.tensor((y + x) % 2, dtype=torch.float32).expand(1, 3, 16, 16)
    assert high_frequency_score(board).item() == pytest.approx(1.0, abs=1e-6)


def test_slow_wave_scores_zero():
    # 2 cycles over 32 pixels = 0.0625 cycles per pixel, far below the 0.25 cut-off
    assert high_frequency_score(wave(32, 0, 2)).item() == pytest.approx(0.0, abs=1e-6)


def test_mixture_gives_the_share_of_power_above_the_cutoff():
    # power of a cosine is proportional to amplitude²: 1² slow + 2² fast → 4 / 5 is fast
    image = 0.5 + 0.1 * (wave(32, 1, 0, 1.0) + wave(32, 12, 0, 2.0))
    assert high_frequency_score(image).item() == pytest.approx(0.8, abs=1e-5)


def test_cutoff_decides_which_side_a_frequency_is_on():
    image = wave(32, 0, 8)  # 0.25 cycles per pixel
    assert high_frequency_score(image, cutoff=0.2).item() == pytest.approx(1.0, abs=1e-6)
    assert high_frequency_score(image, cutoff=0.3).item() == pytest.approx(0.0, abs=1e-6)


def test_noise_scores_higher_than_a_smooth_image():
    g = torch.Generator().manual_seed(0)
    noise = torch.rand(1, 3, 32, 32, generator=g)
    smooth = torch.nn.functional.avg_pool2d(noise, 5, stride=1, padding=2)
    assert high_frequency_score(noise).item() > 2 * high_frequency_score(smooth).item()


def test_cosine_matrix_matches_numpy():
    v = torch.tensor([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [-2.0, 0.0, 0.0]])
    expected = np.array([[1, 1 / np.sqrt(2), -1],
                         [1 / np.sqrt(2), 1, -1 / np.sqrt(2)],
                         [-1, -1 / np.sqrt(2), 1]])
    np.testing.assert_allclose(cosine_matrix(v).numpy(), expected, atol=1e-6)


def test_consistency_is_the_mean_off_diagonal_cosine():
    v = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    # pairs: (1,2) 0, (1,3) 1/√2, (2,3) 1/√2
    assert consistency(v) == pytest.approx(2 / np.sqrt(2) / 3, abs=1e-6)
    assert consistency(torch.ones(4, 5)) == pytest.approx(1.0, abs=1e-6)


def test_consistency_relative_to_a_reference_removes_what_all_rows_share():
    # two rows = a large shared offset + opposite small parts: alike raw, opposite once the
    # reference (the shared offset) is subtracted
    shared = torch.tensor([10.0, 10.0, 0.0])
    v = torch.stack([shared + torch.tensor([0.0, 0.0, 1.0]), shared - torch.tensor([0.0, 0.0, 1.0])])
    assert consistency(v) > 0.99
    assert consistency(v, reference=shared[None].repeat(3, 1)) == pytest.approx(-1.0, abs=1e-6)
    # rows that keep the same direction after the shift stay alike
    w = torch.stack([shared + torch.tensor([0.0, 0.0, 1.0]), shared + torch.tensor([0.0, 0.0, 2.0])])
    assert consistency(w, reference=shared[None]) == pytest.approx(1.0, abs=1e-6)


def test_consistency_reference_must_match_the_width():
    with pytest.raises(CourseError, match="same layer"):
        consistency(torch.ones(3, 4), reference=torch.ones(2, 5))


def test_mean_pairwise_distance_by_hand():
    points = torch.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 8.0]])
    # distances 5, 8, 5
    assert mean_pairwise_distance(points) == pytest.approx(6.0, abs=1e-5)
    assert mean_pairwise_distance(torch.zeros(3, 2, 2)) == pytest.approx(0.0, abs=1e-6)


def test_one_item_cannot_be_compared():
    with pytest.raises(CourseError):
        consistency(torch.ones(1, 3))


def test_class_rank_counts_the_classes_scoring_higher(tiny):
    x = torch.rand(3, 3, 16, 16, generator=torch.Generator().manual_seed(2))
    logits = tiny(x)
    order = logits.argsort(1, descending=True)
    for k in range(5):
        ranks = class_rank(logits, int(order[0, k]))
        assert int(ranks[0]) == k
    with pytest.raises(CourseError, match="from 0 to 4, got 5"):
        class_rank(logits, 5)


def test_total_variation_of_known_images():
    flat = torch.full((1, 3, 8, 8), 0.3)
    stripes = torch.zeros(1, 3, 8, 8)
    stripes[..., :, ::2] = 1.0  # every horizontal neighbour differs by 1, vertical by 0
    assert float(total_variation(flat)[0]) == 0.0
    assert float(total_variation(stripes)[0]) == pytest.approx(1.0)
