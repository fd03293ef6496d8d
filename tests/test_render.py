"""The optimizer raises activations well above a random image's, on the real model."""
import numpy as np
import pytest
import torch

from course_utils.engine import without_speed_ups
from course_utils.hooks import count_hooks
from course_utils.optim import channel, evaluate, neuron, render, render_channels
from course_utils.optim.param import PixelImage


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


def test_batched_channels_each_prefer_their_own_image(effnet):
    chans = [0, 1, 2]
    result = render_channels(effnet, "mid", chans, size=64, steps=24, progress=False)
    scores = np.stack([evaluate(effnet, channel("mid", c), result.images) for c in chans])
    for i in range(len(chans)):
        assert scores[i, i] == scores[i].max(), scores
    assert np.allclose(scores.diagonal(), result.score, rtol=1e-4, atol=1e-4)


def test_speed_ups_change_the_speed_not_the_result(tiny):
    """The engine's render copy and early stop are exact: the same images without them."""
    kwargs = dict(size=16, steps=5, progress=False, seed=3, transforms=None)
    fast = render(tiny, channel("mid", 1), **kwargs)
    with without_speed_ups():
        plain = render(tiny, channel("mid", 1), **kwargs)
    assert torch.allclose(fast.images, plain.images, atol=1e-5)


def test_the_forward_pass_stops_after_the_last_layer_read(tiny):
    """A mid-stage objective never runs the classifier head; a logit objective does."""
    ran = []
    handle = tiny.module.fc.register_forward_hook(lambda *_: ran.append(1))
    try:
        with without_speed_ups():
            render(tiny, channel("mid", 1), size=16, steps=2)
            assert ran == []
            render(tiny, "logits:2", size=16, steps=2)
        assert len(ran) >= 2
    finally:
        handle.remove()


def test_pixel_parameterization_with_a_photo_start(tiny):
    start = torch.rand(1, 3, 16, 16)
    result = render(tiny, neuron("mid", 2), param=PixelImage(16, init=start), steps=10,
                    lr=0.05, transforms=None, progress=False)
    assert result.score[0] > evaluate(tiny, neuron("mid", 2), start)[0]
