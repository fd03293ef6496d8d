"""The render copy computes what the network computes (outputs and input gradients in
float64), is cached and rebuilt when the model changes, and keeps a patched ReLU."""
import copy

import pytest
import torch
from torch import nn

from course_utils.engine.fast_ops import PaddedConv2d
from course_utils.engine.render_copy import cached_render_copy as render_copy
from course_utils.engine.render_copy import fold_batchnorm, make_render_copy
from course_utils.hooks import capture


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
