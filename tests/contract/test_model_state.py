"""The model comes back exactly as it was after every way a render can end."""
import pytest
import torch

from course_utils.errors import CourseError
from course_utils.hooks import capture, count_hooks
from course_utils.optim import Objective, evaluate, render, render_channels
from model_watch import assert_unchanged, snapshot

QUICK = dict(size=16, steps=4, progress=False)


def unusual_state(model):
    """Flags a render must restore rather than reset: train mode on, one weight
    trainable, one sub-module in eval, and one weight holding a gradient."""
    net = model.module
    net.train()
    first, *_, last = list(net.parameters())
    first.requires_grad_(True)
    next(m for name, m in net.named_modules() if name).eval()
    last.grad = torch.ones_like(last)
    return model


def scripted(on_call):
    """Channel 0 of conv2; ``on_call(n)`` runs on the n-th gradient-enabled call."""
    calls = []

    def fn(acts):
        if torch.is_grad_enabled():
            calls.append(1)
            on_call(len(calls))
        return acts["mid"][:, 0].mean((-2, -1))

    return Objective(fn, ["mid"], "scripted", [("mid", 0)])


def raise_on(n, error):
    def on_call(i):
        if i == n:
            raise error
    return on_call


def test_normal_render_leaves_the_model_unchanged(tiny):
    before = snapshot(unusual_state(tiny).module)
    result = render(tiny, "mid:1", **QUICK)
    assert result.steps == 4 and not result.interrupted
    assert_unchanged(before, tiny.module)


def test_objective_raising_mid_render_leaves_the_model_unchanged(tiny):
    before = snapshot(unusual_state(tiny).module)
    with pytest.raises(ZeroDivisionError):
        render(tiny, scripted(raise_on(3, ZeroDivisionError("boom"))), **QUICK)
    assert_unchanged(before, tiny.module)


def test_keyboard_interrupt_returns_the_partial_image_and_restores_the_model(tiny, capsys):
    before = snapshot(unusual_state(tiny).module)
    result = render(tiny, scripted(raise_on(3, KeyboardInterrupt())), size=16, steps=10,
                    progress=False)
    assert result.interrupted
    assert result.steps == 2 and result.history.shape == (2, 1)
    assert result.images.shape == (1, 3, 16, 16)
    assert 0 <= float(result.images.min()) and float(result.images.max()) <= 1
    assert "Interrupted at step 2" in capsys.readouterr().out
    assert_unchanged(before, tiny.module)


def test_non_finite_abort_leaves_the_model_unchanged(tiny):
    before = snapshot(unusual_state(tiny).module)
    with pytest.raises(CourseError, match="NaN or infinite at step 1"):
        render(tiny, "mid:0", size=16, steps=5, param_edit=poison_after_first_step,
               progress=False)
    assert_unchanged(before, tiny.module)


def poison_after_first_step(step, param):
    """A parameter edit that turns the image's parameters into NaN after step 0."""
    if step == 0:
        for p in param.parameters():
            p.fill_(float("nan"))


def test_refused_render_leaves_the_model_unchanged(tiny):
    before = snapshot(unusual_state(tiny).module)
    with pytest.raises(CourseError):
        render(tiny, "mid:99", **QUICK)
    assert_unchanged(before, tiny.module)


def test_evaluate_and_gallery_leave_the_model_unchanged(tiny):
    before = snapshot(unusual_state(tiny).module)
    evaluate(tiny, "late:2", torch.rand(2, 3, 16, 16))
    render_channels(tiny, "mid", [0, 3], **QUICK)
    assert_unchanged(before, tiny.module)


def test_weights_get_no_gradient_even_when_trainable(tiny):
    for p in tiny.module.parameters():
        p.requires_grad_(True)
    render(tiny, "mid:0", **QUICK)
    assert all(p.grad is None for p in tiny.module.parameters())
    assert all(p.requires_grad for p in tiny.module.parameters())


def test_render_in_train_mode_keeps_batchnorm_statistics(effnet):
    """Real model with BatchNorm: a render must run in eval mode and give it back in
    train mode with the running statistics untouched."""
    net = effnet.module
    before = snapshot(net.train())
    try:
        render(effnet, "early:0", size=16, steps=2, input_size=32, progress=False)
        assert_unchanged(before, net)
    finally:
        net.eval()
    assert count_hooks(net) == 0


def test_guided_relu_render_leaves_the_model_unchanged(tiny):
    from course_utils.optim import guided as relu_override
    before = snapshot(unusual_state(tiny).module)
    with relu_override.guided_relu(tiny.module):
        render(tiny, "mid:0", **QUICK)
    assert_unchanged(before, tiny.module)
    assert all("forward" not in m.__dict__ for m in tiny.module.modules())


@pytest.mark.parametrize("error", [ValueError("bad"), KeyboardInterrupt()])
def test_capture_removes_its_hooks_when_the_block_raises(tiny, error):
    with pytest.raises(type(error)):
        with capture(tiny.module, ["conv1", "relu2"]) as acts:
            assert count_hooks(tiny.module) == 2
            tiny(torch.rand(1, 3, 16, 16))
            raise error
    assert set(acts) == {"conv1", "relu2"}
    assert count_hooks(tiny.module) == 0


def test_capture_adds_no_hook_when_a_layer_name_is_wrong(tiny):
    with pytest.raises(CourseError):
        with capture(tiny.module, ["conv1", "nope"]):
            pass
    assert count_hooks(tiny.module) == 0
