"""expect: one readable line per expectation; a failed one stops with what was measured;
a check that needs a trained network is skipped, visibly, on one that is not."""
import pytest
import torch
from torch import nn

from course_utils.models import wrap_module
from course_utils.tools.expect import (CheckFailed, describe_training, expect,
                                       recognises_photos)


def untrained():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                        nn.Linear(4, 10))
    return wrap_module(net, name="untrained", input_size=32)


def test_a_kept_expectation_prints_a_tick_with_the_numbers(capsys):
    assert expect(3 > 2, "the score rose", "2.0 → 3.0") is True
    assert capsys.readouterr().out == "✓ the score rose (2.0 → 3.0)\n"


def test_a_broken_expectation_stops_with_what_was_measured(capsys):
    with pytest.raises(CheckFailed) as info:
        expect(False, "the score rose", "3.0 → 2.0")
    assert str(info.value) == "Expected the score rose, but measured 3.0 → 2.0."
    assert isinstance(info.value, AssertionError) and capsys.readouterr().out == ""


def test_a_trained_network_recognises_the_photos(effnet):
    ok, top5 = recognises_photos(effnet)
    assert ok and set(top5) == {"chelsea", "coffee", "rocket", "grace_hopper"}
    assert all(len(labels) == 5 for labels in top5.values())
    assert recognises_photos(effnet) is recognises_photos(effnet)  # measured once per model
    assert "recognises the sample photos" in describe_training(effnet)


def test_on_a_network_that_is_not_trained_the_check_is_skipped_visibly(capsys):
    model = untrained()
    assert recognises_photos(model)[0] is False
    assert expect(False, "cats look like cats", "0 of 4", needs_training=model) is False
    assert capsys.readouterr().out == ("– skipped, needs a trained network: cats look like "
                                       "cats (0 of 4)\n")
    assert "will be skipped" in describe_training(model)


def test_a_trained_network_does_not_skip_a_check(effnet):
    with pytest.raises(CheckFailed):
        expect(False, "something", needs_training=effnet)
