"""The render copy's speed-ups are exact equivalents, and the learner's model is untouched."""
import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from course_utils.hooks import capture
from course_utils.optim import render_channels
from course_utils.engine.fast_ops import (FastRedirectedReLU, PaddedConv2d,
                                          local_response_norm)
from course_utils.engine.render_copy import cached_render_copy as render_copy
from course_utils.engine.render_copy import fold_batchnorm, make_render_copy


def _rel(a, b):
    return float((a - b).abs().max() / b.abs().max())


def test_folded_conv_equals_conv_then_batchnorm():
    torch.manual_seed(0)
    conv, bn = nn.Conv2d(4, 6, 3, bias=False), nn.BatchNorm2d(6)
    bn.running_mean.uniform_(-1, 1)
    bn.running_var.uniform_(0.5, 2)
    bn.weight.data.uniform_(0.5, 2)
    bn.bias.data.uniform_(-1, 1)
    bn.eval()
    x = torch.randn(2, 4, 9, 9)
    expected = bn(conv(x))
    fold_batchnorm(conv, bn)
    assert _rel(conv(x), expected) < 1e-5


@pytest.mark.parametrize("size, beta", [(9, 0.5), (5, 0.75), (4, 0.6)])
def test_fast_local_response_norm_matches_torch(size, beta):
    x = torch.randn(2, 16, 7, 7, dtype=torch.float64, requires_grad=True)
    ours = local_response_norm(x, size, alpha=1e-2, beta=beta, k=1.0)
    ref = F.local_response_norm(x, size, alpha=1e-2, beta=beta, k=1.0)
    assert _rel(ours, ref) < 1e-5
    g1, = torch.autograd.grad((ours * ref.detach()).sum(), x)
    g2, = torch.autograd.grad((ref * ref.detach()).sum(), x)
    assert _rel(g1, g2) < 1e-5


def test_fast_redirected_relu_matches_lucent():
    from lucent.modelzoo.inceptionv1.helper_layers import RedirectedReluLayer

    x = torch.randn(3, 5, 4, 4, requires_grad=True)
    g = torch.randn(3, 5, 4, 4)
    ours, = torch.autograd.grad(FastRedirectedReLU()(x), x, g)
    ref, = torch.autograd.grad(RedirectedReluLayer()(x), x, g)
    assert torch.equal(FastRedirectedReLU()(x), RedirectedReluLayer()(x))
    assert torch.allclose(ours, ref, rtol=1e-6, atol=0)
    assert (ours != g).any()  # negative inputs really get the 10 % gradient


@pytest.mark.parametrize("in_ch, out_ch, groups, kernel, stride, pad", [
    (4, 6, 1, 3, 1, (1, 1, 1, 1)),    # symmetric: the convolution's own padding
    (6, 6, 6, 3, 2, (0, 1, 0, 1)),    # "SAME" depthwise, stride 2: zero-prepended kernel
    (6, 6, 6, 5, 2, (1, 2, 1, 2)),
    (5, 7, 1, 3, 1, (2, 0, 1, 0)),    # anything else: an explicit pad first
    (3, 8, 1, 7, 2, (2, 3, 2, 3)),    # RGB stem, 7×7 stride 2: polyphase backward
    (3, 8, 1, 7, 2, (3, 3, 3, 3)),
])
def test_padded_conv_equals_pad_then_conv(in_ch, out_ch, groups, kernel, stride, pad):
    torch.manual_seed(0)
    conv = nn.Conv2d(in_ch, out_ch, kernel, stride, groups=groups).double().requires_grad_(False)
    fast = PaddedConv2d(conv, pad)
    assert fast.polyphase == (in_ch == 3)
    for size in (20, 21):
        x = torch.randn(2, in_ch, size, size, dtype=torch.float64, requires_grad=True)
        ref = conv(F.pad(x, pad))
        ours = fast(x)
        g = torch.randn_like(ref)
        assert ours.shape == ref.shape and _rel(ours, ref) < 1e-10
        grad_ref, = torch.autograd.grad(ref, x, g)
        grad_ours, = torch.autograd.grad(fast(x), x, g)
        assert _rel(grad_ours, grad_ref) < 1e-10


@pytest.mark.parametrize("which, size", [("effnet", 224), ("inception", 224),
                                         ("inception", 227)])
def test_render_copy_matches_outputs_and_gradients(which, size, effnet):
    """float64 end to end: stage outputs and input gradients equal to 1e-5 (an odd input
    size checks the folded pads of InceptionV1's stride-2 max pools)."""
    if which == "effnet":
        module, pre, layer = copy.deepcopy(effnet.module), effnet.preprocess, "_blocks.8"
    else:
        from lucent.modelzoo import inceptionv1

        torch.manual_seed(0)
        module, pre, layer = inceptionv1().eval(), (lambda x: x * 255 - 117), "mixed4a"
    module = module.double()
    fast = make_render_copy(module)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in fast.modules())
    assert any(isinstance(m, PaddedConv2d) for m in fast.modules())
    x = torch.rand(1, 3, size, size, dtype=torch.float64, requires_grad=True)
    results = []
    for net in (module, fast):
        with capture(net, [layer], detach=False) as acts:
            net(pre(x))
        grad, = torch.autograd.grad(acts[layer].pow(2).mean(), x)
        results.append((acts[layer].detach(), grad))
    (out, grad), (fast_out, fast_grad) = results
    assert _rel(fast_out, out) < 1e-5 and _rel(fast_grad, grad) < 1e-5


def test_render_copy_is_cached_and_rebuilt_when_the_model_changes(tiny):
    first = render_copy(tiny)
    assert render_copy(tiny) is first
    assert first is not tiny.module
    with torch.no_grad():
        tiny.module.conv1.weight.mul_(2)  # an edit bumps the weight's version counter
    second = render_copy(tiny)
    assert second is not first
    assert torch.allclose(second.conv1.weight, tiny.module.conv1.weight)
    tiny.module.relu1.forward = lambda x: x  # a patched layer (e.g. a gradient override)
    assert render_copy(tiny) is not second


def test_parallel_gallery_keeps_channel_order(effnet):
    from course_utils.optim import evaluate

    chans = [3, 0, 2]  # split over two workers as [3, 2] and [0]
    result = render_channels(effnet, "mid", chans, workers=2, size=48, steps=16)
    assert result.images.shape == (3, 3, 48, 48) and result.history.shape == (16, 3)
    for row, c in enumerate(chans):
        scores = evaluate(effnet, f"mid:{c}", result.images)
        assert scores[row] == scores.max(), (c, scores)
        assert result.score[row] == pytest.approx(scores[row], rel=1e-4, abs=1e-4)


def test_zero_skipping_cat_skips_branches_without_gradient():
    from course_utils.engine.fast_ops import ZeroSkippingCat, redirected_relu

    a = torch.randn(1, 3, 4, 4, requires_grad=True)
    b = torch.randn(1, 5, 4, 4, requires_grad=True)
    ours = ZeroSkippingCat()([redirected_relu(a), redirected_relu(b)])
    ref = torch.cat([redirected_relu(a), redirected_relu(b)], 1)
    assert torch.equal(ours, ref)
    g_ref = torch.autograd.grad(ref[:, 1].sum(), (a, b))
    ours[:, 1].sum().backward()  # reads only the first branch
    assert torch.equal(a.grad, g_ref[0]) and a.grad.abs().sum() > 0
    assert b.grad is None and not g_ref[1].any()  # skipped, where torch.cat gives zeros


def test_render_copy_keeps_a_patched_relu():
    """guided_relu patches Lucent's ReLU layers; the copy must not swap them back."""
    from lucent.modelzoo import inceptionv1

    from course_utils.optim.guided import guided_relu

    torch.manual_seed(0)
    module = inceptionv1().eval().double()
    x = torch.rand(1, 3, 224, 224, dtype=torch.float64, requires_grad=True)
    with guided_relu(module):
        fast = make_render_copy(module)
        grads = []
        for net in (module, fast):
            with capture(net, ["mixed3a"], detach=False) as acts:
                net(x * 255 - 117)
            grads.append(torch.autograd.grad(acts["mixed3a"][:, 5].mean(), x)[0])
    assert _rel(grads[1], grads[0]) < 1e-5
