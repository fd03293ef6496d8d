"""InceptionV1 through the same loading code a Colab user runs, with no network: a
weights file of the right shapes is written where torch.hub caches it."""
import os
import urllib.error

import pytest
import torch

from course_utils import models
from course_utils.errors import CourseError
from course_utils.optim import render

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


def write_weights(path) -> dict:
    """A state dict with InceptionV1's shapes (random, so it is not the default init)."""
    from lucent.modelzoo import inceptionv1

    torch.manual_seed(1)
    state = inceptionv1(pretrained=False).state_dict()
    state = {k: v + 0.01 * torch.randn_like(v) for k, v in state.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, path)
    return state


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


def test_model_is_frozen_and_in_eval_mode(cached):
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
