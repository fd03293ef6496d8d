"""Contract of the model entry points: load_model, CourseModel's methods, wrap_module,
capture and the photos. Each works or answers a CourseError, and leaves the model as it was."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from tiny_net import TinyNet
from contract_fuzz import (fuzz, good_images, holds, images_or_odd, mentions, odd_or,
                           refused, valid_images)
from course_utils import models
from course_utils.errors import CourseError
from course_utils.hooks import capture, count_hooks
from course_utils.contract import image_batch as check_images
from course_utils.images import PHOTOS, photo, photos

# --- load_model ---------------------------------------------------------------------------

NAMES = list(models.MODEL_NAMES) + ["EfficientNet_Lite0", " efficientnet_lite0 ", "resnet50",
                                    "inception", "lite0", "", "auto "]
DEVICES = ["cpu", "cuda", "cuda:0", "cuda:1", "CPU", "gpu", "mps", "meta", "cpu:0", 0, 1, -1,
           torch.device("cpu"), torch.device("meta")]


@pytest.fixture
def fake_loaders(monkeypatch):
    """load_model's checks, with the loaders themselves replaced by a record of the call."""
    loaded = []
    monkeypatch.delenv("COURSE_MODEL", raising=False)
    monkeypatch.setattr(models, "_efficientnet", lambda name, device: loaded.append((name, device)))
    monkeypatch.setattr(models, "_inceptionv1", lambda device: loaded.append(("inceptionv1", device)))
    monkeypatch.setattr(models, "_can_reach", lambda *a, **k: False)
    monkeypatch.setattr(models, "inception_weights_cached", lambda: False)
    return loaded


@fuzz(120)
@given(name=odd_or(st.sampled_from(NAMES)), device=odd_or(st.sampled_from(DEVICES)),
       verbose=odd_or(True, False))
def test_load_model(fake_loaders, name, device, verbose):
    fake_loaders.clear()
    result = holds(lambda: models.load_model(name, device=device, verbose=verbose))
    if refused(result):
        assert fake_loaders == []
        return
    [(loaded, where)] = fake_loaders
    assert loaded in ("efficientnet_lite0", "efficientnet_lite2", "inceptionv1")
    assert isinstance(where, torch.device) and where.type in ("cpu", "cuda")
    if where.type == "cuda":
        assert torch.cuda.is_available() and (where.index or 0) < torch.cuda.device_count()


def test_a_missing_gpu_is_answered_with_what_is_there(fake_loaders, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    with pytest.raises(CourseError) as info:
        models.load_model("efficientnet_lite0", device="cuda")
    assert "no usable GPU" in str(info.value) and "device='cpu'" in str(info.value)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(CourseError) as info:
        models.load_model("efficientnet_lite0", device="cuda:3")
    assert "1 GPU" in str(info.value) and "cuda:0" in str(info.value)
    assert fake_loaders == []


# --- CourseModel ---------------------------------------------------------------------------

LAYERS = ["early", "mid", "late", "conv1", "conv2", "relu2", "fc", "conv", "midd", "logits",
          "labels", "input", "", " mid", "MID", "conv_1"]


@fuzz(150)
@given(images=images_or_odd())
def test_model_call_and_check_images(tiny, images):
    result = holds(lambda: tiny(images), tiny)
    if not refused(result):
        assert result.shape == (images.shape[0], 5) and torch.isfinite(result).all()
    checked = holds(lambda: check_images(images))
    assert refused(checked) == refused(result)


@fuzz(100)
@given(images=st.one_of(good_images(), images_or_odd()), k=odd_or(st.integers(1, 5), 6, 5000))
def test_predict(tiny, images, k):
    result = holds(lambda: tiny.predict(images, k=k), tiny)
    if refused(result):
        return
    assert len(result) == images.shape[0]
    for row in result:
        assert len(row) == int(k) and all(label in tiny.labels for label, _ in row)
        probs = [p for _, p in row]
        assert probs == sorted(probs, reverse=True) and 0 <= sum(probs) <= 1 + 1e-5


@fuzz(120)
@given(layer=odd_or(st.sampled_from(LAYERS)), channel=odd_or(st.integers(-2, 7)))
def test_resolve_channels_check_channel(tiny, layer, channel):
    name = holds(lambda: tiny.resolve(layer), tiny)
    count = holds(lambda: tiny.channels(layer), tiny)
    checked = holds(lambda: tiny.check_channel(layer, channel), tiny)
    assert refused(name) == refused(count)
    if refused(name):
        assert refused(checked)
        return
    assert name in tiny.layers and count == tiny.layers[name]
    if refused(checked):
        mentions(checked, "hannel")
    else:
        assert 0 <= int(channel) < count and not isinstance(channel, bool)


def test_lucent_logits_spelling_is_answered(tiny):
    for spelling in ("logits", "labels"):
        with pytest.raises(CourseError) as info:
            tiny.resolve(spelling)
        assert "logit(" in str(info.value)


# --- wrap_module --------------------------------------------------------------------------

def modules():
    return st.sampled_from(["tiny", "linear", "grey conv", "empty", "relu", "string", "none",
                            "course model"])


def build(kind, tiny):
    return {"tiny": lambda: TinyNet(), "linear": lambda: nn.Linear(3, 4),
            "grey conv": lambda: nn.Conv2d(1, 4, 3), "empty": lambda: nn.Sequential(),
            "relu": lambda: nn.ReLU(), "string": lambda: "resnet", "none": lambda: None,
            "course model": lambda: tiny}[kind]()


@fuzz(100)
@given(kind=modules(), name=odd_or("tiny"), preprocess=st.sampled_from([None, "x", "p"]),
       input_size=odd_or(st.sampled_from([8, 16, 17, 4097, np.int64(16)])),
       labels=odd_or(None, ["a"] * 5, ["a"] * 3, "abcde", list(range(5))),
       stages=odd_or(None, {"mid": "conv2"}, {"mid": "conv9"}, {"mid": 3}, {3: "conv2"},
                     ["conv1"], "conv1"),
       main_layers=odd_or(None, ["conv1"], ["nope"], "conv1", [3]))
def test_wrap_module(tiny, kind, name, preprocess, input_size, labels, stages, main_layers):
    module = build(kind, tiny)
    preprocess = {"x": lambda x: x * 2 - 1, "p": "normalize", None: None}[preprocess]
    watched = [module] if isinstance(module, nn.Module) else []
    if watched:
        watched[0].train()
    result = holds(lambda: models.wrap_module(module, name=name, preprocess=preprocess,
                                              input_size=input_size, labels=labels,
                                              stages=stages, main_layers=main_layers),
                   modules=watched if kind != "course model" else [])
    if refused(result):
        return
    assert result.module is module and not module.training
    assert not any(p.requires_grad for p in module.parameters())
    assert result.layers and set(result.stages.values()) <= set(result.layers)
    assert set(result.main_layers) <= set(result.layers)
    assert all(isinstance(label, str) for label in result.labels)
    assert len(result.labels) == 5  # TinyNet's outputs
    assert result(torch.rand(1, 3, 8, 8)).shape == (1, 5)


# --- photos ------------------------------------------------------------------------------

@fuzz(60)
@given(name=odd_or(st.sampled_from(list(PHOTOS) + ["Coffee", "cat", "coffee "])),
       size=odd_or(8, 9, 16, 4097, 10 ** 9))
def test_photo(name, size):
    result = holds(lambda: photo(name, size))
    if not refused(result):
        valid_images(result[None], 1, int(size))


@fuzz(40)
@given(names=odd_or(["coffee"], ["coffee", "coffee"], ["coffee", "nope"], "coffee", ("chelsea",)),
       size=odd_or(8, 12))
def test_photos(names, size):
    result = holds(lambda: photos(names, size))
    if not refused(result):
        assert result and set(result) == set(names)
        for x in result.values():
            valid_images(x[None], 1, int(size))


# --- capture -----------------------------------------------------------------------------

@fuzz(80)
@given(which=st.sampled_from(["module", "course model", "none", "string"]),
       layers=odd_or("conv1", ["conv1", "conv2"], ["conv1", "conv1"], [], ["nope"], [3],
                     "mid", ("fc",)),
       detach=odd_or(True, False))
def test_capture(tiny, which, layers, detach):
    target = {"module": tiny.module, "course model": tiny, "none": None, "string": "net"}[which]
    x = torch.rand(1, 3, 8, 8)

    def run():
        with capture(target, layers, detach=detach) as acts:
            tiny.module(x)
        return acts

    result = holds(run, tiny)
    assert count_hooks(tiny.module) == 0
    if not refused(result):
        names = [layers] if isinstance(layers, str) else list(layers)
        assert set(result) == set(names) and all(v.dim() >= 2 for v in result.values())
