"""render: the activation rises far above a random image's, the result has the promised
shapes, the model is left without hooks; the same seed gives the same image; a mistake
is answered before any optimization work, and a non-finite score stops the loop at its
step."""
import numpy as np
import pytest
import torch

from course_utils.errors import CourseError
from course_utils.hooks import count_hooks
from course_utils.optim import Objective, channel, evaluate, logit, neuron, param, render, transforms
from course_utils.optim.param import PixelImage
from model_watch import gradient_forwards


@pytest.fixture(scope="module")
def mid_render(effnet):
    return render(effnet, channel("mid", 0), size=64, steps=24)


def test_activation_rises_far_above_random(effnet, mid_render):
    random_score = evaluate(effnet, "mid:0", torch.rand(4, 3, 64, 64)).max()
    assert mid_render.score[0] > random_score + 5
    assert mid_render.history[-1, 0] > mid_render.history[0, 0] + 5


def test_result_shapes_and_history(mid_render):
    assert mid_render.images.shape == (1, 3, 64, 64)
    assert 0 <= float(mid_render.images.min()) and float(mid_render.images.max()) <= 1
    assert mid_render.history.shape == (24, 1)


def test_render_leaves_no_hooks(effnet, mid_render):
    assert count_hooks(effnet.module) == 0


def test_pixel_parameterization_with_a_photo_start(tiny):
    start = torch.rand(1, 3, 16, 16)
    result = render(tiny, neuron("mid", 2), param=PixelImage(16, init=start), steps=10,
                    lr=0.05, transforms=None, progress=False)
    assert result.score[0] > evaluate(tiny, neuron("mid", 2), start)[0]


# --- the seed ---------------------------------------------------------------------------


SEEDED = dict(size=16, steps=5, progress=False)


def test_same_seed_gives_an_identical_image(tiny):
    a = render(tiny, "mid:2", seed=7, **SEEDED)
    torch.rand(100)  # disturb the global random state between the two runs
    b = render(tiny, "mid:2", seed=7, **SEEDED)
    assert torch.equal(a.images, b.images)
    assert (a.history == b.history).all()


def test_different_seeds_give_different_images(tiny):
    a = render(tiny, "mid:2", seed=1, **SEEDED)
    b = render(tiny, "mid:2", seed=2, **SEEDED)
    assert (a.images - b.images).abs().max() > 1e-3


def test_running_cells_out_of_order_does_not_change_a_result(tiny):
    first = render(tiny, "mid:1", seed=3, **SEEDED)
    render(tiny, "mid:4", seed=99, batch=2, **SEEDED)
    again = render(tiny, "mid:1", seed=3, **SEEDED)
    assert torch.equal(first.images, again.images)
    assert first.history[-1, 0] != first.history[0, 0]  # the image did change under way


def test_own_transforms_using_the_global_generator_are_reproducible(tiny):
    def run():
        own = [transforms.pad(4), transforms.jitter(4), transforms.random_rotate([-5, 0, 5])]
        return render(tiny, "mid:0", seed=5, transforms=own, **SEEDED)

    a = run()
    torch.rand(10)
    assert torch.equal(a.images, run().images)


def test_every_parameterization_is_reproducible(tiny):
    for fft, decorrelate in [(True, True), (False, True), (False, False)]:
        images = [render(tiny, "mid:1", seed=4, param=param.image(16, 1, fft, decorrelate,
                                                                  seed=4), **SEEDED).images
                  for _ in range(2)]
        assert torch.equal(*images), (fft, decorrelate)


# --- mistakes, answered before any optimization work -------------------------------------


QUICK = dict(size=16, steps=2, progress=False)


def refused(model, objective, **kwargs) -> str:
    """Render ``objective``; it must raise a CourseError before any gradient forward pass."""
    with gradient_forwards(model.module) as calls, pytest.raises(CourseError) as info:
        render(model, objective, **{**QUICK, **kwargs})
    assert calls == [], "optimization started before the mistake was reported"
    return str(info.value)


def test_unknown_layer_names_the_nearest_layers_and_how_to_list_them(tiny):
    msg = refused(tiny, channel("conv", 0))
    assert "'conv'" in msg
    assert "'conv1'" in msg and "'conv2'" in msg
    assert "model.layers" in msg


def test_misspelt_stage_suggests_the_stage(tiny):
    msg = refused(tiny, channel("midd", 0))
    assert "'mid'" in msg


def test_channel_out_of_range_gives_the_channel_count(tiny):
    msg = refused(tiny, "mid:6")  # conv2 of TinyNet has 6 output channels
    assert "6 channels" in msg and "0 to 5" in msg and "'conv2'" in msg


def test_negative_channel_is_refused(tiny):
    msg = refused(tiny, channel("early", -1))  # conv1 has 4 channels
    assert "4 channels" in msg


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


# --- transforms ---------------------------------------------------------------------------

def test_standard_means_exactly_the_standard_transforms_list(tiny):
    options = dict(size=16, steps=3, seed=2)
    by_name = render(tiny, "mid:0", transforms="standard", **options)
    by_list = render(tiny, "mid:0", transforms=transforms.standard_transforms, **options)
    assert torch.equal(by_name.images, by_list.images)
    none = render(tiny, "mid:0", transforms=None, **options)
    assert not torch.equal(by_name.images, none.images)


def test_a_lucent_users_list_of_transforms_works_as_it_is(tiny):
    import lucent.optvis.transform

    steps = lucent.optvis.transform.standard_transforms
    result = render(tiny, "mid:0", size=24, steps=3, seed=0, transforms=steps)
    assert result.images.shape == (1, 3, 24, 24) and np.isfinite(result.history).all()
    extended = render(tiny, "mid:0", size=24, steps=3, seed=0,
                      transforms=transforms.standard_transforms + [transforms.jitter(2)])
    assert extended.steps == 3
