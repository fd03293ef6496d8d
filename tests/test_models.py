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
