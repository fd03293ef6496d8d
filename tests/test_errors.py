"""Bad input stops with a message that says what to do, before any optimization work."""
import numpy as np
import pytest
import torch

from course_utils.errors import CourseError
from course_utils.hooks import capture
from course_utils.models import load_model
from course_utils.optim import Objective, channel, evaluate, logit, neuron, render
from course_utils.optim.param import PixelImage
from model_watch import gradient_forwards

QUICK = dict(size=16, steps=2, progress=False)


def refused(model, objective, **kwargs) -> str:
    """Render ``objective``; it must raise a CourseError before any gradient forward pass."""
    with gradient_forwards(model.module) as calls, pytest.raises(CourseError) as info:
        render(model, objective, **{**QUICK, **kwargs})
    assert calls == [], "optimization started before the mistake was reported"
    return str(info.value)


# --- layers ---------------------------------------------------------------------------

def test_unknown_layer_names_the_nearest_layers_and_how_to_list_them(tiny):
    msg = refused(tiny, channel("conv", 0))
    assert "'conv'" in msg
    assert "'conv1'" in msg and "'conv2'" in msg
    assert "model.layers" in msg


def test_misspelt_stage_suggests_the_stage(tiny):
    msg = refused(tiny, channel("midd", 0))
    assert "'mid'" in msg


def test_unknown_layer_on_the_real_model_suggests_the_real_name(effnet):
    with pytest.raises(CourseError) as info:
        effnet.resolve("_block.8")
    assert "'_blocks.8'" in str(info.value)
    assert effnet.resolve("_blocks_8") == "_blocks.8"  # Lucent-style names are accepted


def test_capture_with_an_unknown_layer_names_the_nearest(tiny):
    with pytest.raises(CourseError) as info:
        with capture(tiny.module, ["conv1", "relu3"]):
            pass
    assert "'relu1'" in str(info.value) or "'relu2'" in str(info.value)


# --- channels and neurons ---------------------------------------------------------------

def test_channel_out_of_range_gives_the_channel_count(tiny):
    msg = refused(tiny, "mid:6")  # conv2 of TinyNet has 6 output channels
    assert "6 channels" in msg and "0 to 5" in msg and "'conv2'" in msg


def test_negative_channel_is_refused(tiny):
    msg = refused(tiny, channel("early", -1))  # conv1 has 4 channels
    assert "4 channels" in msg


def test_channel_count_in_the_message_is_the_real_one(effnet):
    images = torch.full((1, 3, 64, 64), 0.5)
    with capture(effnet.module, "_blocks.8") as acts:
        effnet(images)
    real_count = acts["_blocks.8"].shape[1]
    with pytest.raises(CourseError) as info:
        effnet.check_channel("mid", real_count)
    assert f"{real_count} channels" in str(info.value)
    effnet.check_channel("mid", real_count - 1)  # the last valid channel passes


def test_fractional_channel_is_refused_but_numpy_integers_work(tiny):
    msg = refused(tiny, channel("mid", 2.5))
    assert "whole number" in msg and "6 channels" in msg
    result = render(tiny, channel("mid", np.int64(3)), **QUICK)
    assert result.steps == 2


def test_neuron_outside_the_feature_map_gives_its_size_before_any_step(tiny):
    # conv2 has stride 2: a 16 px input gives an 8 x 8 map, a 32 px input a 16 x 16 map
    msg = refused(tiny, neuron("mid", 0, x=50))
    assert "8 wide and 8 high" in msg
    msg = refused(tiny, neuron("mid", 0, y=16), input_size=32)
    assert "16 wide and 16 high" in msg


def test_neuron_inside_the_feature_map_renders(tiny):
    assert render(tiny, neuron("mid", 0, x=7, y=7), **QUICK).steps == 2


def test_class_out_of_range_gives_the_class_count(tiny):
    msg = refused(tiny, logit(5))  # TinyNet has 5 outputs
    assert "5 classes" in msg and "0 to 4" in msg


def test_batch_index_out_of_range_is_refused(tiny):
    msg = refused(tiny, channel("mid", 0, batch=3), batch=2)
    assert "batch=3" in msg and "2 images" in msg


def test_objective_string_without_channel_explains_the_format(tiny):
    msg = refused(tiny, "mid")
    assert "'mid:3'" in msg


@pytest.mark.parametrize("kwargs, words", [
    (dict(steps=0), "steps must be a whole number from 1"),
    (dict(size=4), "size must be a whole number from 8"),
    (dict(lr=float("inf")), "greater than 0, got inf"),
    (dict(param=PixelImage(8), size=16), "size=16, but param makes 8"),
    (dict(transforms="fancy"), "'standard'"),
])
def test_bad_render_settings(tiny, kwargs, words):
    assert words in refused(tiny, "mid:0", **kwargs)


# --- models ------------------------------------------------------------------------------

def test_unknown_model_lists_the_valid_names():
    with pytest.raises(CourseError) as info:
        load_model("resnet50")
    msg = str(info.value)
    for name in ("efficientnet_lite0", "inceptionv1", "auto"):
        assert name in msg


def test_near_miss_model_name_gets_a_suggestion():
    with pytest.raises(CourseError) as info:
        load_model("inception")
    assert "did you mean 'inceptionv1'" in str(info.value)


# --- images ------------------------------------------------------------------------------

@pytest.mark.parametrize("images, words", [
    (torch.rand(3, 16, 16), "(N, 3, H, W)"),
    (torch.rand(1, 16, 16, 3), ".permute(0, 3, 1, 2)"),
    (torch.randint(0, 255, (1, 3, 16, 16), dtype=torch.uint8), "images.float() / 255"),
    (torch.rand(1, 3, 16, 16) * 255, "[0, 1]"),
    (torch.full((1, 3, 16, 16), float("nan")), "NaN"),
    ([[0.5]], "torch.Tensor"),
])
def test_bad_images_are_refused_before_the_network_runs(tiny, images, words):
    seen = []
    handle = tiny.module.register_forward_pre_hook(lambda *_: seen.append(1))
    try:
        for call in (lambda: tiny(images), lambda: tiny.predict(images),
                     lambda: evaluate(tiny, "mid:0", images)):
            with pytest.raises(CourseError) as info:
                call()
            assert words in str(info.value)
    finally:
        handle.remove()
    assert seen == []


def test_range_message_reports_the_actual_range(tiny):
    with pytest.raises(CourseError) as info:
        tiny(torch.linspace(-2, 255, 3 * 16 * 16).reshape(1, 3, 16, 16))
    assert "[-2, 255]" in str(info.value)


# --- non-finite values ---------------------------------------------------------------------

def nan_from_step(k: int) -> Objective:
    """Mean of conv2 channel 0, then NaN from optimization step ``k`` on."""
    steps = []

    def fn(acts):
        score = acts["mid"][:, 0].mean((-2, -1))
        if torch.is_grad_enabled():
            steps.append(1)
            if len(steps) > k:
                return score * float("nan")
        return score

    return Objective(fn, ["mid"], "nan_from_step", [("mid", 0)])


def test_non_finite_objective_stops_and_names_the_step(tiny):
    with pytest.raises(CourseError) as info:
        render(tiny, nan_from_step(3), size=16, steps=10, progress=False)
    msg = str(info.value)
    assert "step 3" in msg and "NaN or infinite" in msg
    assert "learning rate" in msg


def test_parameters_gone_non_finite_are_caught_at_the_first_bad_step(tiny):
    def poison(step, param):  # a parameter edit that breaks the image after step 0
        if step == 0:
            for p in param.parameters():
                p.fill_(float("inf"))

    with pytest.raises(CourseError) as info:
        render(tiny, "mid:0", size=16, steps=5, param_edit=poison, progress=False)
    assert "step 1" in str(info.value)
