"""The guided-ReLU override: exact gradients on small inputs, and a model given back intact."""
import pytest
import torch
from torch import nn

from course_utils.errors import CourseError
from course_utils.hooks import count_hooks
from course_utils.optim.guided import GuidedReLU, guided_relu, relu_modules


def test_guided_relu_forward_is_a_relu():
    x = torch.tensor([-2.0, -0.5, 0.0, 0.5, 7.0])
    assert GuidedReLU.apply(x, None).tolist() == [0.0, 0.0, 0.0, 0.5, 7.0]
    assert GuidedReLU.apply(x, 6.0).tolist() == [0.0, 0.0, 0.0, 0.5, 6.0]


def test_guided_relu_passes_only_positive_gradients_through_active_inputs():
    x = torch.tensor([-1.0, 2.0, 3.0, 4.0, 8.0], requires_grad=True)
    upstream = torch.tensor([5.0, 5.0, -5.0, 2.0, 3.0])
    GuidedReLU.apply(x, 6.0).backward(upstream)
    # negative input: blocked; positive input and gradient: passed; negative gradient:
    # blocked; above ReLU6's ceiling: blocked (flat there)
    assert x.grad.tolist() == [0.0, 5.0, 0.0, 2.0, 0.0]


def gradient(model, x):
    x = x.clone().requires_grad_(True)
    model(x).sum().backward()
    return x.grad


def test_override_changes_gradients_not_outputs():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3), nn.ReLU6(), nn.Linear(3, 1))
    x = torch.randn(5, 4)
    out, grad = net(x), gradient(net, x)
    with guided_relu(net) as changed:
        assert changed == 2
        torch.testing.assert_close(net(x), out)
        guided = gradient(net, x)
    assert not torch.allclose(guided, grad)


def test_guided_gradient_of_a_one_relu_net_by_hand():
    lin = nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
    net = nn.Sequential(lin, nn.ReLU())
    x = torch.tensor([[1.0, 2.0]], requires_grad=True)
    with guided_relu(net):
        (net(x) * torch.tensor([[3.0, -1.0]])).sum().backward()
    # unit 1: input 1 > 0, gradient 3 > 0 → 3; unit 2: gradient −1 < 0 → blocked
    assert x.grad.tolist() == [[3.0, 0.0]]


def test_model_is_restored_exactly(tiny):
    net = tiny.module
    before_modules = list(net.modules())
    flags = [p.requires_grad for p in net.parameters()]
    modes = [m.training for m in net.modules()]
    x = torch.rand(1, 3, 16, 16)
    grad = gradient(net, x)
    with guided_relu(net):
        assert all("forward" in m.__dict__ for m in relu_modules(net))
    assert list(net.modules()) == before_modules
    assert not any("forward" in m.__dict__ for m in net.modules())
    assert count_hooks(net) == 0
    assert [p.requires_grad for p in net.parameters()] == flags
    assert [m.training for m in net.modules()] == modes
    torch.testing.assert_close(gradient(net, x), grad)


def test_model_is_restored_after_an_error(tiny):
    net = tiny.module
    x = torch.rand(1, 3, 16, 16)
    grad = gradient(net, x)
    with pytest.raises(RuntimeError, match="boom"):
        with guided_relu(net):
            raise RuntimeError("boom")
    assert not any("forward" in m.__dict__ for m in net.modules())
    torch.testing.assert_close(gradient(net, x), grad)


def test_a_module_with_its_own_forward_gets_it_back():
    relu = nn.ReLU()
    own = lambda x: x * 2  # noqa: E731 - a patched forward set by someone else
    relu.forward = own
    with guided_relu(nn.Sequential(relu)):
        assert relu.forward is not own
    assert relu.forward is own


def test_reused_relu6_module_is_overridden_everywhere(effnet):
    net = effnet.module
    sixes = [m for m in relu_modules(net) if isinstance(m, nn.ReLU6)]
    assert len(sixes) >= 16  # one `_swish` per block, called twice or three times each
    x = torch.rand(1, 3, 64, 64)
    out = net(x)
    with guided_relu(net):
        torch.testing.assert_close(net(x), out)
    assert count_hooks(net) == 0
    assert not any("forward" in m.__dict__ for m in net.modules())
    assert not any(p.requires_grad for p in net.parameters())


def test_no_relu_is_a_clear_error():
    with pytest.raises(CourseError, match="ReLU"):
        with guided_relu(nn.Sequential(nn.Linear(2, 2), nn.Tanh())):
            pass
