"""The engine's door, engine.network: the speed-ups change the speed, not the result;
the forward pass stops after the last layer the objective reads; without_speed_ups runs
the model itself."""
import torch

from course_utils.engine import without_speed_ups
from course_utils.optim import channel, render


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
