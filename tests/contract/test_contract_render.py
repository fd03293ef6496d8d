"""Contract of the optimization entry points: render, render_channels, evaluate,
channel_activations, input_gradient, guided_relu, the explorer, the poster and the
Lucent bridge. Each works (and its result is valid) or answers a CourseError before
any gradient forward pass, and leaves the model as it was."""
import os

import matplotlib
import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from contract_fuzz import (fuzz, good_images, holds, images_or_odd, mentions, odd, odd_or,
                           refused, valid_images)
from course_utils.tools.explorer import Explorer
from course_utils.hooks import count_hooks
from course_utils.tools.lucent_bridge import lucent_render
from course_utils.optim import (channel, channel_activations, diversity, evaluate,
                                guided_relu, input_gradient, l2, layer_energy, logit, neuron,
                                param, param_edits, render, render_channels,
                                total_variation, transforms)
from course_utils.tools.poster import render_poster

matplotlib.use("Agg")
QUICK = dict(size=8, steps=2, progress=False)


class NoParameters(nn.Module):
    def forward(self):
        return torch.full((1, 3, 8, 8), 0.5)


class GreyImage(nn.Module):
    """A parameterization that returns a single-channel image (wrong shape)."""

    def __init__(self):
        super().__init__()
        self.value = nn.Parameter(torch.zeros(1, 1, 8, 8))

    def forward(self):
        return torch.sigmoid(self.value)


def objectives():
    return odd_or(st.sampled_from([
        "mid:0", "mid:5", "mid:6", "logits:0", "labels:4", "logits:5", "logits:-1", "mid",
        "mid:x", "conv1:3", "conv_1:1", "mid:²", ":3", "input:0", "logits", "mid:3.5",
        "early:99999999999999999999"]),
        st.sampled_from(["channel", "neuron", "logit", "l2", "tv", "diversity", "energy",
                         "energy logits", "neuron far", "channel float"]).map(objective))


def objective(kind):
    return {"channel": lambda: channel("mid", 1), "neuron": lambda: neuron("mid", 0, x=1, y=2),
            "logit": lambda: logit(2), "l2": lambda: l2(), "tv": lambda: -total_variation(),
            "diversity": lambda: diversity("mid"), "energy": lambda: layer_energy("early"),
            "energy logits": lambda: layer_energy("logits"),
            "neuron far": lambda: neuron("mid", 0, x=100),
            "channel float": lambda: channel("mid", 2.5)}[kind]()


RENDER_ARGS = {
    "size": odd_or(st.integers(-9, 12), 4097, np.int64(8)),
    "steps": odd_or(st.integers(1, 3), 10 ** 9, np.int64(2)),
    "batch": odd_or(st.integers(1, 3), 10 ** 9, 2 ** 40),
    "lr": odd_or(st.floats(1e-4, 1.0), 1e6, -0.05, 0),
    "seed": odd_or(st.integers(0, 2 ** 64), -5),
    "input_size": odd_or(None, st.integers(0, 40), 4097, 10 ** 7),
    "transforms": odd_or("standard", "none", "fancy", [], [3], "jitter",
                         st.just([transforms.jitter(2)]), st.just(transforms.pad(2)),
                         st.just(transforms.standard_transforms + [transforms.jitter(1)])),
    "param": st.one_of(odd, st.sampled_from(["fourier", "pixels", "decorrelated", "pixels 3",
                                             "linear", "no parameters", "grey"])),
    "param_edit": st.one_of(odd, st.sampled_from(["blur", "clip", "weak", "lambda", "blur pixels",
                                                  "chain"])),
    "progress": odd_or(False, True),
    "objective": objectives(),
    "model": st.sampled_from(["tiny", "module", "none", "string"]),
}

PARAMS = {"fourier": lambda: param.image(8), "pixels": lambda: param.PixelImage(8),
          "decorrelated": lambda: param.image(8, fft=False),
          "pixels 3": lambda: param.PixelImage(8, batch=3), "linear": lambda: nn.Linear(2, 2),
          "no parameters": NoParameters, "grey": GreyImage}
EDITS = {"blur": lambda: param_edits.blur_every(1), "clip": lambda: param_edits.clip_pixels(),
         "weak": lambda: param_edits.clip_weak_pixels(0.1),
         "lambda": lambda: (lambda step, p: None),
         "blur pixels": lambda: param_edits.blur_every(1, sigma=100.0),
         "chain": lambda: param_edits.chain(param_edits.blur_every(2), None)}


def concrete(name, value, tiny):
    if name == "param" and isinstance(value, str):
        return PARAMS.get(value, lambda: value)()
    if name == "param_edit" and isinstance(value, str):
        return EDITS.get(value, lambda: value)()
    if name == "model":
        return {"tiny": tiny, "module": tiny.module, "none": None, "string": "tiny"}[value]
    return value


def check_render(result, kwargs):
    batch = result.images.shape[0]
    side = result.images.shape[-1]
    valid_images(result.images)
    if kwargs.get("param") is None:  # None is the default: 1 image of 128 pixels
        expected_batch, expected_side = kwargs.get("batch", 1), kwargs.get("size", 8)
        assert batch == (1 if expected_batch is None else int(expected_batch))
        assert side == (128 if expected_side is None else int(expected_side))
    steps = int(kwargs.get("steps", 2))
    assert result.steps == steps and result.history.shape == (steps, batch)
    assert result.score.shape == (batch,)


def render_with(tiny, kwargs):
    kwargs = {**QUICK, **kwargs}
    model, goal = kwargs.pop("model", tiny), kwargs.pop("objective", "mid:0")
    return holds(lambda: render(model, goal, **kwargs), tiny)


@fuzz(300)
@given(data=st.data(), name=st.sampled_from(sorted(RENDER_ARGS)))
def test_render_one_argument_at_a_time(tiny, data, name):
    value = concrete(name, data.draw(RENDER_ARGS[name], label=name), tiny)
    result = render_with(tiny, {name: value})
    if refused(result):
        if name not in ("objective", "model", "param", "param_edit"):
            mentions(result, name)
        return
    check_render(result, {name: value})


@fuzz(120)
@given(data=st.data())
def test_render_many_arguments_at_once(tiny, data):
    chosen = data.draw(st.sets(st.sampled_from(sorted(RENDER_ARGS)), min_size=2, max_size=5))
    kwargs = {n: concrete(n, data.draw(RENDER_ARGS[n], label=n), tiny) for n in sorted(chosen)}
    result = render_with(tiny, kwargs)
    if not refused(result):
        check_render(result, kwargs)


@fuzz(80)
@given(layer=odd_or("mid", "early", "conv1", "logits", "nope"),
       channels=odd_or(st.lists(st.integers(-1, 7), max_size=4), [0, 0], np.array([0, 1])),
       workers=odd_or(1, 2, 10 ** 6, (os.cpu_count() or 1) + 1),
       options=st.sampled_from([{}, {"batch": 2}, {"steps": 0}, {"size": "big"}, {"stepz": 2},
                                {"seed": None}, {"input_size": 0}, {"transforms": "none"},
                                {"size": 10 ** 9}, {"param": "x"}]))
def test_render_channels(tiny, layer, channels, workers, options):
    kwargs = {**QUICK, "steps": 1, **options}
    result = holds(lambda: render_channels(tiny, layer, channels, workers=workers, **kwargs), tiny)
    if refused(result):
        return
    n = len(list(channels))
    valid_images(result.images, n, int(kwargs["size"]))
    assert result.history.shape == (result.steps, n) and result.score.shape == (n,)


EVAL_OBJECTIVES = objectives()
INPUT_SIZES = odd_or(None, 16, 24, st.integers(-3, 40), 4097, 10 ** 9)


@fuzz(150)
@given(goal=EVAL_OBJECTIVES, images=images_or_odd(), input_size=INPUT_SIZES)
def test_evaluate(tiny, goal, images, input_size):
    result = holds(lambda: evaluate(tiny, goal, images, input_size), tiny)
    if not refused(result):
        assert isinstance(result, np.ndarray) and result.shape == (images.shape[0],)


@fuzz(80)
@given(layer=odd_or("mid", "early", "fc", "logits", "input", "conv_1"), images=images_or_odd(),
       input_size=INPUT_SIZES)
def test_channel_activations(tiny, layer, images, input_size):
    result = holds(lambda: channel_activations(tiny, layer, images, input_size), tiny)
    if not refused(result):
        assert result.shape == (images.shape[0], tiny.channels(layer))
        assert np.isfinite(result).all()


@fuzz(100)
@given(goal=EVAL_OBJECTIVES, images=images_or_odd(), input_size=INPUT_SIZES)
def test_input_gradient(tiny, goal, images, input_size):
    result = holds(lambda: input_gradient(tiny, goal, images, input_size), tiny)
    if not refused(result):
        assert result.shape == images.shape and torch.isfinite(result).all()


@fuzz(40)
@given(which=st.sampled_from(["module", "course model", "no relu", "none", "string", "linear"]),
       images=good_images(2))
def test_guided_relu(tiny, which, images):
    target = {"module": tiny.module, "course model": tiny, "no relu": nn.Sequential(nn.Conv2d(3, 3, 1)),
              "none": None, "string": "model", "linear": nn.Linear(2, 2)}[which]

    def run():
        with guided_relu(target) as changed:
            return changed, input_gradient(tiny, "mid:0", images)

    result = holds(run, tiny)
    assert "forward" not in tiny.module.relu1.__dict__
    if not refused(result):
        changed, grad = result
        assert changed == 2 and grad.shape == images.shape


@fuzz(60)
@given(model=st.sampled_from(["tiny", "module", "none"]), steps=odd_or(1, 2),
       size=odd_or(8, 9), seed=odd_or(0, None, 7),
       layer=odd_or("mid", "conv1", "logits"), channel_=odd_or(0, 3, 9),
       show=odd_or(False, True))
def test_explorer(tiny, model, steps, size, seed, layer, channel_, show):
    target = {"tiny": tiny, "module": tiny.module, "none": None}[model]

    def run():
        return Explorer(target, steps=steps, size=size, seed=seed).run(layer, channel_, show=show)

    result = holds(run, tiny)
    matplotlib.pyplot.close("all")
    if not refused(result):
        valid_images(result.images, 1, int(size))


@fuzz(40)
@given(layers=odd_or(["mid"], ["early", "mid"], ["mid", "conv2"], "mid", ["nope"], []),
       channels=odd_or([0], [0, 1], [0, 0], [9], (1,)), steps=odd_or(1),
       size=odd_or(8), seed=odd_or(0, 3, None), progress=odd_or(False))
def test_render_poster(tiny, layers, channels, steps, size, seed, progress):
    result = holds(lambda: render_poster(tiny, layers, channels, steps=steps, size=size,
                                         seed=seed, progress=progress), tiny)
    if refused(result):
        return
    assert len(result) == len(layers) * len(channels)
    for cell in result:
        valid_images(cell.image[None], 1, int(size))
        assert np.isfinite([cell.activation_start, cell.activation_end, cell.activation_random]).all()


@fuzz(25)
@given(layer=odd_or("mid", "conv1", "nope"), channel_=odd_or(0, 9),
       size=odd_or(16, 4, 10 ** 6), steps=odd_or(1, 0, 10 ** 9), fft=odd_or(True, False),
       seed=odd_or(0, None, -1), progress=odd_or(False))
def test_lucent_render(tiny, layer, channel_, size, steps, fft, seed, progress):
    result = holds(lambda: lucent_render(tiny, layer, channel_, size=size, steps=steps, fft=fft,
                                         seed=seed, progress=progress), tiny)
    if not refused(result):
        valid_images(result, 1, int(size))
    assert count_hooks(tiny.module) == 0


def test_render_refuses_before_work_when_the_edit_cannot_edit_the_image(tiny):
    for edit in (param_edits.clip_pixels(), param_edits.clip_weak_pixels()):
        result = render_with(tiny, {"param_edit": edit})  # the default image is a spectrum
        assert refused(result) and "PixelImage" in str(result)
