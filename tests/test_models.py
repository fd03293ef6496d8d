"""load_model: the offline EfficientNets with their real weights, stages at the same
relative depth, the normalization they were trained with; InceptionV1 through the same
loading code a Colab user runs, with no network (a weights file of the right shapes is
written where torch.hub caches it); available_models; names answered with the valid
ones."""
import math
import os
import urllib.error

import pytest
import torch

from course_utils import models
from course_utils.errors import CourseError
from course_utils.images import photo
from course_utils.models import _normalizer, load_model
from course_utils.optim import render
from inception_weights import write_weights


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


def test_near_miss_model_name_gets_a_suggestion():
    with pytest.raises(CourseError) as info:
        load_model("inception")
    assert "did you mean 'inceptionv1'" in str(info.value)


# --- available_models ------------------------------------------------------------------


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setattr(models, "inception_weights_cached", lambda: False)
    monkeypatch.setattr(models, "_can_reach", lambda *a, **k: False)


def test_offline_both_efficientnets_and_no_inception(offline):
    assert models.available_models() == ["efficientnet_lite0", "efficientnet_lite2"]
    assert set(models.available_models()) <= set(models.MODEL_NAMES) - {"auto"}


def test_cached_inception_weights_make_it_available(offline, monkeypatch):
    monkeypatch.setattr(models, "inception_weights_cached", lambda: True)
    assert models.available_models()[-1] == "inceptionv1"


def test_the_internet_counts_only_when_asked_to_check_it(offline, monkeypatch):
    monkeypatch.setattr(models, "_can_reach", lambda *a, **k: True)
    assert "inceptionv1" in models.available_models()
    assert "inceptionv1" not in models.available_models(check_internet=False)


def test_a_missing_weights_package_leaves_its_network_out(offline, monkeypatch):
    real = models.importlib.util.find_spec
    missing = models.EFFICIENTNETS["efficientnet_lite2"]["package"]
    monkeypatch.setattr(models.importlib.util, "find_spec",
                        lambda name, *a: None if name == missing else real(name, *a))
    assert models.available_models() == ["efficientnet_lite0"]


def test_check_internet_must_be_true_or_false():
    with pytest.raises(CourseError, match="check_internet must be True or False, got 'yes'"):
        models.available_models(check_internet="yes")


# --- InceptionV1, offline ----------------------------------------------------------------


# Channel counts of GoogLeNet's Inception blocks (the four branches concatenated):
# mixed3a 64+128+32+32, mixed4a 192+204+48+64, mixed5b 384+384+128+128.
STAGE_CHANNELS = {"mixed3a": 256, "mixed4a": 508, "mixed5b": 1024}


def no_network(*args, **kwargs):
    raise urllib.error.URLError("no network in tests")


def use_torch_home(mp, path) -> None:
    """Point torch.hub at ``path`` through TORCH_HOME, as a user would, and cut the network."""
    mp.setenv("TORCH_HOME", str(path))
    mp.delenv("TORCH_HUB", raising=False)
    mp.setattr(torch.hub, "_hub_dir", None)  # no set_dir() override: follow the variable
    mp.setattr(torch.hub, "download_url_to_file", no_network)
    mp.setattr(models, "_can_reach", lambda *a, **k: False)
    assert torch.hub.get_dir() == os.path.join(str(path), "hub")


@pytest.fixture(scope="module")
def cached(tmp_path_factory):
    """A TORCH_HOME holding the weights file, and the model loaded from it."""
    home = tmp_path_factory.mktemp("torch_home")
    with pytest.MonkeyPatch.context() as mp:
        use_torch_home(mp, home)
        file = home / "hub" / "checkpoints" / "inception5h.pth"
        state = write_weights(file)
        model = models.load_model("inceptionv1", device="cpu")
        yield home, file, state, model


def test_weights_path_follows_torch_home(cached):
    home, file, _, _ = cached
    assert models.inception_weights_path() == str(file)
    assert models.inception_weights_cached()


def test_loaded_weights_are_the_files(cached):
    _, _, state, model = cached
    loaded = model.module.state_dict()
    assert loaded.keys() == state.keys()
    for key, value in state.items():
        assert torch.equal(loaded[key], value), key


def test_inceptionv1_is_frozen_and_in_eval_mode(cached):
    model = cached[3]
    assert not model.module.training
    assert not any(p.requires_grad for p in model.module.parameters())


def test_stages_resolve_with_their_channel_counts(cached):
    model = cached[3]
    assert model.stages == {"early": "mixed3a", "mid": "mixed4a", "late": "mixed5b"}
    for stage, layer in model.stages.items():
        assert model.channels(stage) == STAGE_CHANNELS[layer]
    with pytest.raises(CourseError, match="'mixed4a'"):
        model.resolve("mixed4")
    with pytest.raises(CourseError, match="508 channels"):
        model.check_channel("mid", 600)


def test_render_on_mixed4a_runs(cached):
    model = cached[3]
    result = render(model, "mixed4a:3", size=24, steps=2, input_size=64, progress=False)
    assert result.steps == 2 and result.images.shape == (1, 3, 24, 24)
    assert torch.isfinite(torch.as_tensor(result.history)).all()


def test_calls_return_logits_not_the_softmax(cached):
    """The module ends in a softmax over 1008 classes; the course model returns logits."""
    model = cached[3]
    x = torch.rand(2, 3, 224, 224)  # the classifier head needs the native input size
    logits = model(x)
    assert logits.shape == (2, 1008)
    with torch.no_grad():
        probabilities = model.module(model.preprocess(x))
    assert torch.allclose(logits.softmax(-1), probabilities, atol=1e-6)
    assert len(model.labels) == 1008


def test_small_images_are_seen_at_the_native_size_and_named(cached):
    """Below 224 px the fixed 7×7 pooling used to crash; the input-size rule resizes."""
    model = cached[3]
    x = torch.rand(2, 3, 128, 128)
    top = model.predict(x, k=3)
    assert len(top) == 2 and all(len(row) == 3 for row in top)
    names = {label for row in top for label, _ in row}
    assert names <= set(model.labels) and not any(n.startswith("class ") for n in names)
    torch.testing.assert_close(model(x), model(torch.nn.functional.interpolate(
        x, size=224, mode="bilinear", align_corners=False)))


def test_the_class_names_are_imagenets_in_inceptionv1s_own_order():
    names = models.inceptionv1_labels()
    assert len(names) == 1008 and names[0] == "dummy"
    classes = names[1:1001]
    assert sorted(classes) == sorted(models.imagenet_labels())  # the same 1000 classes
    assert classes != models.imagenet_labels()  # ... in another order
    assert classes[:3] == ["kit fox", "English setter", "Siberian husky"]
    assert all(n.startswith("unused") for n in names[1001:])


def test_logit_objective_reads_the_pre_softmax_layer(cached):
    from course_utils.optim import evaluate, logit

    model = cached[3]
    x = torch.rand(1, 3, 224, 224)
    assert float(evaluate(model, logit(7), x)[0]) == pytest.approx(float(model(x)[0, 7]),
                                                                   rel=1e-4, abs=1e-4)


def test_auto_picks_inceptionv1_when_its_weights_are_cached(cached, monkeypatch):
    monkeypatch.delenv("COURSE_MODEL", raising=False)
    name, why = models._choose_auto()
    assert name == "inceptionv1" and "cached" in why


def test_course_model_variable_overrides_auto(cached, monkeypatch):
    monkeypatch.setenv("COURSE_MODEL", "efficientnet_lite0")
    assert models._choose_auto()[0] == "efficientnet_lite0"
    monkeypatch.setenv("COURSE_MODEL", "vgg")
    with pytest.raises(CourseError) as info:
        models._choose_auto()
    assert "COURSE_MODEL must be one of" in str(info.value) and "'vgg'" in str(info.value)
    assert "inceptionv1" in str(info.value)


@pytest.fixture
def empty_home(tmp_path, monkeypatch):
    use_torch_home(monkeypatch, tmp_path)
    monkeypatch.delenv("COURSE_MODEL", raising=False)
    return tmp_path


def test_missing_weights_offline_explain_the_fix(empty_home):
    with pytest.raises(CourseError) as info:
        models.load_model("inceptionv1", device="cpu")
    msg = str(info.value)
    expected_file = str(empty_home / "hub" / "checkpoints" / "inception5h.pth")
    assert "downloading failed" in msg and "no network in tests" in msg
    assert expected_file in msg and models.INCEPTION_URL in msg
    assert "load_model('efficientnet_lite0')" in msg
    assert not os.path.exists(expected_file)


@pytest.mark.parametrize("content", [b"\x00 not a checkpoint " * 10, "wrong model"])
def test_unusable_weights_file_says_delete_it(empty_home, content):
    file = empty_home / "hub" / "checkpoints" / "inception5h.pth"
    file.parent.mkdir(parents=True)
    if isinstance(content, bytes):
        file.write_bytes(content)
    else:
        torch.save({"fc.weight": torch.zeros(2, 2)}, file)
    with pytest.raises(CourseError) as info:
        models.load_model("inceptionv1", device="cpu")
    msg = str(info.value)
    assert str(file) in msg and "delete it" in msg
    assert len(msg) < 600  # no wall of missing keys


def test_auto_falls_back_to_efficientnet_offline(empty_home, monkeypatch, capsys):
    loaded = []
    monkeypatch.setattr(models, "_efficientnet", lambda name, device: loaded.append(name))
    monkeypatch.setattr(models, "_inceptionv1", lambda device: loaded.append("inc"))
    models.load_model("auto")
    assert loaded == ["efficientnet_lite0"]
    said = capsys.readouterr().out
    assert "Using efficientnet_lite0" in said and "not cached" in said


def test_auto_uses_inceptionv1_when_the_internet_answers(empty_home, monkeypatch):
    monkeypatch.setattr(models, "_can_reach", lambda *a, **k: True)
    name, why = models._choose_auto()
    assert name == "inceptionv1" and "internet" in why
