"""render_classes: one image per class, each maximizing its own class's logit."""
import pytest
import torch
from torch import nn

from course_utils.errors import CourseError
from course_utils.models import wrap_module
from course_utils.optim import evaluate, logit, render
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
