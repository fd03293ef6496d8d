"""Lucent runs on the course model with the right preprocessing and leaves no hooks."""
import torch

from course_utils.hooks import count_hooks
from course_utils.tools.lucent_bridge import lucent_render
from course_utils.optim import evaluate


def test_lucent_render_raises_the_channel_and_cleans_up(effnet):
    image = lucent_render(effnet, "mid", 3, size=48, steps=12)
    assert image.shape == (1, 3, 48, 48)
    noise = torch.rand(4, 3, 48, 48, generator=torch.Generator().manual_seed(0))
    assert evaluate(effnet, "mid:3", image)[0] > evaluate(effnet, "mid:3", noise).max() + 1
    assert count_hooks(effnet.module) == 0
    assert not any(p.grad is not None for p in effnet.module.parameters())
