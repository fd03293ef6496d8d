"""render_poster: one cell per layer and channel, with the numbers that show the
optimization worked: the start image's activation, the end's and a random image's."""
import pytest
import torch

from course_utils.errors import CourseError
from course_utils.optim import channel, evaluate
from course_utils.optim.param import image
from course_utils.tools.poster import render_poster


def test_every_cell_carries_its_start_end_and_random_scores(tiny):
    cells = render_poster(tiny, ["early", "mid"], [0, 2], steps=6, size=16, seed=3,
                          progress=False)
    assert [(c.layer, c.channel, c.stage) for c in cells] == [
        ("conv1", 0, "early"), ("conv1", 2, "early"), ("conv2", 0, "mid"), ("conv2", 2, "mid")]
    start = image(16, 2, seed=3)().detach()  # the poster starts where render would
    noise = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(3))
    for i, cell in enumerate(cells):
        objective = channel(cell.layer, cell.channel)
        assert cell.activation_start == pytest.approx(
            float(evaluate(tiny, objective, start[i % 2:i % 2 + 1])[0]), rel=1e-5, abs=1e-6)
        assert cell.activation_end == pytest.approx(
            float(evaluate(tiny, objective, cell.image[None])[0]), rel=1e-4, abs=1e-5)
        assert cell.activation_end > cell.activation_start
        if cell.layer == "conv1":  # the same noise images serve the first layer's cells
            assert cell.activation_random == pytest.approx(
                float(evaluate(tiny, objective, noise[i:i + 1])[0]), rel=1e-5, abs=1e-6)
    assert set(cells[0].as_dict()) == {"layer", "stage", "channel", "activation_start",
                                       "activation_end", "activation_random"}


def test_a_layer_or_channel_given_twice_is_refused_before_any_work(tiny):
    with pytest.raises(CourseError, match="twice"):
        render_poster(tiny, ["mid", "conv2"], [0], steps=1, size=8)
    with pytest.raises(CourseError, match="twice"):
        render_poster(tiny, ["mid"], [1, 1], steps=1, size=8)
