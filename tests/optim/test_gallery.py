"""Galleries: one image per channel or class, each maximizing its own objective; in
pieces that fit in memory, in worker processes, merged back in the caller's order;
reproducible from the seed."""
import functools

import numpy as np
import pytest
import torch
from torch import nn

from course_utils.engine import memory_budget as budget
from course_utils.errors import CourseError
from course_utils.models import wrap_module
from course_utils.optim import channel, evaluate, logit, render, render_channels
from course_utils.optim import gallery
from course_utils.optim.gallery import render_classes


OPTIONS = dict(size=16, steps=12, seed=0, progress=False)


def colour_classifier():
    """Three classes read off the mean colour: red, green and blue."""
    net = nn.Sequential(nn.Conv2d(3, 3, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 3))
    with torch.no_grad():
        net[0].weight.copy_(torch.eye(3).view(3, 3, 1, 1))
        net[0].bias.zero_()
        net[3].weight.copy_(10 * torch.tensor([[2.0, -1, -1], [-1, 2, -1], [-1, -1, 2]]))
        net[3].bias.zero_()
    return wrap_module(net, name="colours", input_size=16, labels=["red", "green", "blue"],
                       stages={"early": "0"})


def test_each_image_shows_its_own_class():
    model = colour_classifier()
    result = render_classes(model, ["blue", "red", "green"], size=16, steps=24, seed=0,
                            progress=False)
    assert result.images.shape == (3, 3, 16, 16)
    assert model(result.images).argmax(1).tolist() == [2, 0, 1]
    assert result.images.mean((-2, -1)).argmax(1).tolist() == [2, 0, 1]  # the colours
    grey = torch.full((1, 3, 16, 16), 0.5)
    on_grey = [float(evaluate(model, logit(k), grey)[0]) for k in (2, 0, 1)]
    assert (result.score > torch.tensor(on_grey).numpy() + 0.1).all()


def test_one_class_is_exactly_a_logit_render(tiny):
    gallery_image = render_classes(tiny, [2], **OPTIONS).images
    direct = render(tiny, logit(2), **OPTIONS).images
    assert torch.equal(gallery_image, direct)


def test_names_and_indices_give_the_same_images(tiny):
    by_name = render_classes(tiny, ["class 4", "class 0"], **OPTIONS).images
    by_index = render_classes(tiny, [4, 0], **OPTIONS).images
    assert torch.equal(by_name, by_index)


def test_a_network_that_needs_its_native_size_is_planned_at_that_size(tiny, monkeypatch):
    seen = []
    monkeypatch.setattr(gallery.engine, "max_batch",
                        lambda model, layers, input_size: seen.append(input_size) or 8)
    tiny.fixed_input_size = True  # its head only works at its native 16 px
    render_classes(tiny, [0, 1], size=8, input_size=32, steps=1, progress=False)
    assert seen == [16]


@pytest.mark.parametrize("classes, words", [
    ([], "empty"),
    ("class 1", "must be a list"),
    ([5], "from 0 to 4"),
    ([1.5], "whole number"),
    (["cat"], "not a class of tiny"),
    (["clas 1"], "did you mean 'class 1'"),
])
def test_bad_classes_are_refused_before_any_work(tiny, classes, words):
    with pytest.raises(CourseError, match=words):
        render_classes(tiny, classes, **OPTIONS)


def test_batch_is_refused(tiny):
    with pytest.raises(CourseError, match="one image per class"):
        render_classes(tiny, [0], batch=2, **OPTIONS)


# --- galleries of channels ------------------------------------------------------------


def test_batched_channels_each_prefer_their_own_image(effnet):
    chans = [0, 1, 2]
    result = render_channels(effnet, "mid", chans, size=64, steps=24, progress=False)
    scores = np.stack([evaluate(effnet, channel("mid", c), result.images) for c in chans])
    for i in range(len(chans)):
        assert scores[i, i] == scores[i].max(), scores
    assert np.allclose(scores.diagonal(), result.score, rtol=1e-4, atol=1e-4)


def test_parallel_gallery_keeps_channel_order(effnet):
    from course_utils.optim import evaluate

    chans = [3, 0, 2]  # split over two workers as [3, 2] and [0]
    result = render_channels(effnet, "mid", chans, workers=2, size=48, steps=16)
    assert result.images.shape == (3, 3, 48, 48) and result.history.shape == (16, 3)
    for row, c in enumerate(chans):
        scores = evaluate(effnet, f"mid:{c}", result.images)
        assert scores[row] == scores.max(), (c, scores)
        assert result.score[row] == pytest.approx(scores[row], rel=1e-4, abs=1e-4)


def test_gallery_on_the_real_model_is_reproducible(effnet):
    kwargs = dict(size=16, steps=2, input_size=32, seed=11, progress=False)
    a = render_channels(effnet, "mid", [0, 5], **kwargs)
    b = render_channels(effnet, "mid", [0, 5], **kwargs)
    assert torch.equal(a.images, b.images)
    c = render_channels(effnet, "mid", [0, 5], **{**kwargs, "seed": 12})
    assert (a.images - c.images).abs().max() > 1e-3


# --- in pieces that fit in memory --------------------------------------------------------


PIECES = dict(size=16, steps=2, progress=False)


def free_memory_for(monkeypatch, model, images: float):
    """Pretend exactly ``images`` images' worth of usable memory is free."""
    per_image = budget.bytes_per_image(model, ["mid"], model.input_size)
    free = int(images * per_image / budget.USABLE_FRACTION)
    monkeypatch.setattr(budget, "available_bytes", lambda device=None: free)


def test_gallery_is_split_into_batches_that_fit(tiny, monkeypatch, capsys):
    free_memory_for(monkeypatch, tiny, 2.5)
    whole = render_channels(tiny, "mid", [0, 1, 2, 3, 4], seed=3, **PIECES)
    assert "rendering them 2 at a time" in capsys.readouterr().out
    assert whole.images.shape == (5, 3, 16, 16)
    assert whole.history.shape == (2, 5) and whole.score.shape == (5,)
    pieces = [render_channels(tiny, "mid", p, seed=3, **PIECES) for p in ([0, 1], [2, 3], [4])]
    assert torch.equal(whole.images, torch.cat([p.images for p in pieces]))


def test_interrupting_a_split_gallery_stops_it(tiny, monkeypatch):
    free_memory_for(monkeypatch, tiny, 2.5)

    def interrupt(step, _param):
        if step == 1:
            raise KeyboardInterrupt

    result = render_channels(tiny, "mid", [0, 1, 2, 3, 4], param_edit=interrupt, **PIECES)
    assert result.interrupted and result.images.shape[0] == 2


def test_gallery_that_cannot_fit_even_one_image_is_refused(tiny, monkeypatch, capsys):
    free_memory_for(monkeypatch, tiny, 0.5)
    with pytest.raises(CourseError, match="Not even one image"):
        render_channels(tiny, "mid", [0, 1, 2], **PIECES)
    assert "at a time" not in capsys.readouterr().out


def test_a_gallery_larger_than_one_batch_may_hold_is_rendered_in_pieces(tiny, monkeypatch):
    monkeypatch.setattr(gallery.contract, "MAX_PIXELS", 2 * 8 * 8)  # two 8 px images a batch
    seen = []
    real = gallery.render

    @functools.wraps(real)  # the gallery reads render's options off its signature
    def spy(model, objective, batch, **options):
        seen.append(batch)
        return real(model, objective, batch=batch, **options)

    monkeypatch.setattr(gallery, "render", spy)
    result = render_channels(tiny, "mid", [0, 1, 2, 3, 4], size=8, steps=1)
    assert seen == [2, 2, 1] and result.images.shape == (5, 3, 8, 8)
