"""Scores without optimizing: evaluate, channel_activations and input_gradient give what
the network computes, by the same input-size rule as render, with no random
transforms."""
import pytest
import torch
import torch.nn.functional as F

from course_utils.optim import channel, channel_activations, evaluate, input_gradient


def test_evaluate_is_the_objective_on_the_network_at_its_input_size(tiny):
    x = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(1))
    seen = F.interpolate(x, size=(16, 16), mode="bilinear", align_corners=False)  # native 16 px
    with torch.no_grad():
        conv2 = tiny.module.conv2(tiny.module.relu1(tiny.module.conv1(seen)))
    expected = conv2[:, 3].mean((-2, -1)).numpy()
    assert evaluate(tiny, channel("mid", 3), x) == pytest.approx(expected, rel=1e-5, abs=1e-6)
    assert evaluate(tiny, "mid:3", x) == pytest.approx(expected, rel=1e-5, abs=1e-6)
    # a requested input size wins over the native one
    seen = F.interpolate(x, size=(24, 24), mode="bilinear", align_corners=False)
    with torch.no_grad():
        at_24 = tiny.module.conv2(tiny.module.relu1(tiny.module.conv1(seen)))[:, 3].mean((-2, -1))
    assert evaluate(tiny, channel("mid", 3), x, input_size=24) == pytest.approx(
        at_24.numpy(), rel=1e-5, abs=1e-6)


def test_channel_activations_are_spatial_means(tiny):
    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    vectors = channel_activations(tiny, "early", x)
    expected = tiny.module.conv1(x).mean((-2, -1))
    torch.testing.assert_close(torch.as_tensor(vectors), expected)


def test_input_gradient_matches_autograd_on_the_tiny_model(tiny):
    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(3))
    ours = input_gradient(tiny, channel("mid", 1), x)
    leaf = x.clone().requires_grad_(True)
    tiny.module.conv2(tiny.module.relu1(tiny.module.conv1(leaf)))[:, 1].mean((-2, -1)).sum().backward()
    torch.testing.assert_close(ours, leaf.grad)
