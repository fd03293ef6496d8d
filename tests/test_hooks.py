"""Hooks record activations and never outlive their block."""
import pytest
import torch

from course_utils.errors import CourseError
from course_utils.hooks import capture, count_hooks, removing_new_hooks


def test_capture_records_the_layer_output(tiny):
    x = torch.rand(2, 3, 16, 16)
    with capture(tiny.module, ["conv1", "relu2"]) as acts:
        tiny.module(x)
    expected = tiny.module.conv1(x)
    assert torch.allclose(acts["conv1"], expected)
    assert acts["relu2"].shape == (2, 6, 8, 8)
    assert count_hooks(tiny.module) == 0


def test_capture_removes_hooks_when_the_block_raises(tiny):
    with pytest.raises(RuntimeError):
        with capture(tiny.module, ["conv1", "conv2"]):
            assert count_hooks(tiny.module) == 2
            raise RuntimeError("boom")
    assert count_hooks(tiny.module) == 0


def test_capture_rejects_unknown_layers_before_hooking(tiny):
    with pytest.raises(CourseError, match="conv1"):
        with capture(tiny.module, ["conv1", "conv3"]):
            pass
    assert count_hooks(tiny.module) == 0


def test_removing_new_hooks_keeps_existing_ones(tiny):
    keep = tiny.module.conv1.register_forward_hook(lambda *a: None)
    with removing_new_hooks(tiny.module):
        for m in tiny.module.modules():
            m.register_forward_hook(lambda *a: None)
        assert count_hooks(tiny.module) == 1 + len(list(tiny.module.modules()))
    assert count_hooks(tiny.module) == 1
    keep.remove()
    assert count_hooks(tiny.module) == 0


def test_capture_with_an_unknown_layer_names_the_nearest(tiny):
    with pytest.raises(CourseError) as info:
        with capture(tiny.module, ["conv1", "relu3"]):
            pass
    assert "'relu1'" in str(info.value) or "'relu2'" in str(info.value)
