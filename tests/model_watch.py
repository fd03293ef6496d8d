"""Helpers that watch a model: its full state before/after, and gradient forward passes."""
from contextlib import contextmanager

import torch

from course_utils.hooks import count_hooks


def snapshot(module: torch.nn.Module) -> dict:
    """Everything a render could change: weights, buffers, flags, gradients, hooks."""
    return {
        "state": {k: v.detach().clone() for k, v in module.state_dict().items()},
        "requires_grad": {n: p.requires_grad for n, p in module.named_parameters()},
        "training": {n: m.training for n, m in module.named_modules()},
        "grad": {n: p.grad for n, p in module.named_parameters()},
        "hooks": count_hooks(module),
    }


def assert_unchanged(before: dict, module: torch.nn.Module) -> None:
    """Fail with the first difference between ``before`` and the module now."""
    after = snapshot(module)
    assert after["hooks"] == before["hooks"], "hooks were left on the model"
    assert after["requires_grad"] == before["requires_grad"], "requires_grad changed"
    assert after["training"] == before["training"], "training flags changed"
    for name, grad in after["grad"].items():
        assert grad is before["grad"][name], f".grad of {name} changed"
    assert before["state"].keys() == after["state"].keys()
    for key, value in before["state"].items():
        assert torch.equal(value, after["state"][key]), f"{key} changed"


@contextmanager
def gradient_forwards(module: torch.nn.Module):
    """Count forward passes of ``module`` run with gradients on (optimization work)."""
    calls = []
    handle = module.register_forward_pre_hook(  # a pre-hook: renders may stop the pass early
        lambda *_: calls.append(1) if torch.is_grad_enabled() else None)
    try:
        yield calls
    finally:
        handle.remove()
