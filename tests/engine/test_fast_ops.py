"""The render copy's fast layers are exact equivalents of what they replace: outputs and
gradients equal (most to 1e-10 in float64)."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from course_utils.engine.fast_ops import (FastRedirectedReLU, PaddedConv2d, ZeroSkippingCat,
                                          local_response_norm, redirected_relu)


def _rel(a, b):
    return float((a - b).abs().max() / b.abs().max())


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


def test_zero_skipping_cat_skips_branches_without_gradient():
    a = torch.randn(1, 3, 4, 4, requires_grad=True)
    b = torch.randn(1, 5, 4, 4, requires_grad=True)
    ours = ZeroSkippingCat()([redirected_relu(a), redirected_relu(b)])
    ref = torch.cat([redirected_relu(a), redirected_relu(b)], 1)
    assert torch.equal(ours, ref)
    g_ref = torch.autograd.grad(ref[:, 1].sum(), (a, b))
    ours[:, 1].sum().backward()  # reads only the first branch
    assert torch.equal(a.grad, g_ref[0]) and a.grad.abs().sum() > 0
    assert b.grad is None and not g_ref[1].any()  # skipped, where torch.cat gives zeros
