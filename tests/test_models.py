"""The offline model is real: correct predictions, measured normalization, stages, layers."""
import math

import pytest
import torch

from course_utils.errors import CourseError
from course_utils.images import photo
from course_utils.models import _normalizer, load_model

CATS = {"Egyptian cat", "tabby", "tiger cat"}


def test_coffee_is_espresso_and_chelsea_a_cat(effnet):
    top = effnet.predict(torch.stack([photo("coffee"), photo("chelsea")]), k=5)
    assert top[0][0][0] == "espresso"
    assert CATS & {label for label, _ in top[1][:3]}


def test_chosen_normalization_is_the_one_trained_with(effnet):
    """(x - 0.5) / 0.5 must beat ImageNet mean/std on real photos' correct classes."""
    x = torch.stack([photo("coffee"), photo("chelsea")])
    espresso, tabby = effnet.labels.index("espresso"), effnet.labels.index("tabby")
    egyptian = effnet.labels.index("Egyptian cat")

    def log_likelihood(preprocess):
        with torch.no_grad():
            logp = effnet.module(preprocess(x)).log_softmax(-1)
        cat = torch.logsumexp(logp[1, [tabby, egyptian]], 0)
        return float(logp[0, espresso] + cat)

    imagenet = _normalizer([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    assert log_likelihood(effnet.preprocess) > log_likelihood(imagenet) + 0.05


def test_model_is_frozen_and_in_eval_mode(effnet):
    assert not effnet.module.training
    assert not any(p.requires_grad for p in effnet.module.parameters())


def test_stages_resolve_to_layers_with_growing_depth(effnet):
    names = [effnet.resolve(s) for s in ("early", "mid", "late")]
    assert names == ["_blocks.2", "_blocks.8", "_blocks.14"]
    channels = [effnet.channels(s) for s in ("early", "mid", "late")]
    assert channels[0] < channels[1] < channels[2]
    sizes = [effnet.spatial[n][0] for n in names]
    assert sizes[0] > sizes[1] > sizes[2]


def test_layers_list_channel_counts(effnet):
    assert effnet.layers["_blocks.8"] == 112
    assert effnet.layers["_conv_stem"] == 32
    assert len(effnet.layers) > 100


def test_lucent_style_names_are_accepted(effnet):
    assert effnet.resolve("_blocks_8") == "_blocks.8"
    assert effnet.lucent_name("mid") == "_blocks_8"


def test_labels_are_the_1000_imagenet_classes(effnet):
    assert len(effnet.labels) == 1000 and effnet.labels[0] == "tench"


def test_auto_prints_its_choice(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_MODEL", "efficientnet_lite0")
    model = load_model("auto", device="cpu")
    assert model.name == "efficientnet_lite0"
    assert "COURSE_MODEL" in capsys.readouterr().out


def test_unknown_model_names_the_valid_ones():
    with pytest.raises(CourseError, match="efficientnet_lite0"):
        load_model("efficientnet")


@pytest.fixture(scope="module")
def lite2():
    return load_model("efficientnet_lite2", device="cpu")


def test_lite2_is_real_and_uses_the_same_normalization(lite2):
    """Lite2 recognises the photos too, and (x - 0.5) / 0.5 beats ImageNet mean/std."""
    x = torch.stack([photo("coffee", lite2.input_size), photo("chelsea", lite2.input_size)])
    top = lite2.predict(x, k=3)
    assert top[0][0][0] == "espresso" and CATS & {label for label, _ in top[1]}
    imagenet = _normalizer([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    with torch.no_grad():
        ours = lite2.module(lite2.preprocess(x)).softmax(-1)
        theirs = lite2.module(imagenet(x)).softmax(-1)
    espresso = lite2.labels.index("espresso")
    assert float(ours[0, espresso]) > float(theirs[0, espresso])


def test_stages_sit_at_the_same_relative_depth_on_both_efficientnets(effnet, lite2):
    """Early: the last block at 1/4 resolution; mid: the first block of the wider
    1/16-resolution stage; late: the last block at 1/32 (before the 1×1 head)."""
    for model in (effnet, lite2):
        blocks = [n for n in model.main_layers if n.startswith("_blocks.")]
        side = {n: model.spatial[n][0] for n in blocks}
        native = model.input_size
        quarter = [n for n in blocks if side[n] == math.ceil(native / 4)]
        assert model.resolve("early") == quarter[-1]
        sixteenth = [n for n in blocks if side[n] == math.ceil(native / 16)]
        widest = max(model.layers[n] for n in sixteenth)
        assert model.resolve("mid") == next(n for n in sixteenth if model.layers[n] == widest)
        last = [n for n in blocks if side[n] == math.ceil(native / 32)]
        assert model.resolve("late") == [n for n in last if model.layers[n] == model.layers[last[0]]][-1]


def test_main_layers_are_the_blocks_a_learner_would_pick(effnet):
    assert effnet.main_layers[0] == "_conv_stem" and "_blocks.8" in effnet.main_layers
    assert not any("static_padding" in n or "_bn" in n for n in effnet.main_layers)
    assert all(n in effnet.layers for n in effnet.main_layers)


def test_the_input_size_rule(effnet):
    assert effnet.input_size_for(128) == 224  # small images are upsampled
    assert effnet.input_size_for(300) == 300
    assert effnet.input_size_for(128, requested=96) == 96  # a request wins
    assert effnet.input_size_for(128, requested=96, reads_logits=True) == 96  # any head size
    fixed = type(effnet)(**{**effnet.__dict__, "fixed_input_size": True})
    assert fixed.input_size_for(128, requested=96, reads_logits=True) == 224


def test_predict_refuses_k_outside_the_classes(effnet):
    x = photo("coffee", 64)[None]
    for k in (0, 1001, 2.5, True):
        with pytest.raises(CourseError, match="k must be a whole number from 1 to 1000"):
            effnet.predict(x, k=k)
