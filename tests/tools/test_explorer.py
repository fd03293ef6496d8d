"""The explorer widget: a short list of layers that all render, a picture that always
says which settings made it, locked controls while rendering, clear failures."""
import io

import numpy as np
import pytest
import torch

from course_utils.tools import explorer as explorer_module
from course_utils.errors import CourseError
from course_utils.course_model import is_plumbing
from course_utils.tools.explorer import Explorer
from course_utils.tools.plotting import as_hwc

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def explorer(effnet):
    return Explorer(effnet, steps=2, size=32)


def test_choices_start_with_the_stages_and_their_concrete_layers(explorer, effnet):
    labels, values = zip(*explorer.choices())
    assert list(values[:len(effnet.stages)]) == list(effnet.stages)
    for label, stage in zip(labels, effnet.stages):
        layer = effnet.stages[stage]
        assert stage in label and layer in label and str(effnet.layers[layer]) in label


def test_layer_list_is_short_and_holds_no_plumbing(explorer, effnet):
    offered = [value for _, value in explorer.choices()][len(effnet.stages):]
    modules = dict(effnet.module.named_modules())
    assert offered == effnet.main_layers
    assert len(offered) == len(set(offered))
    assert not [n for n in offered if is_plumbing(modules[n]) or "padding" in n]
    # the stages' layers are offered by name too, in network order
    order = list(effnet.layers)
    assert set(effnet.stages.values()) <= set(offered)
    assert offered == sorted(offered, key=order.index)
    # a learner's list, not every module the network has (184 on EfficientNet-Lite0)
    assert 5 <= len(offered) <= len(effnet.layers) / 4


def test_every_listed_layer_renders(explorer, effnet):
    for label, value in explorer.choices():
        last = effnet.channels(value) - 1
        result = explorer.run(value, last, show=False)
        assert tuple(result.images.shape) == (1, 3, 32, 32), label
        assert torch.isfinite(result.images).all(), label
        assert np.isfinite(result.score).all(), label
        assert explorer.shown == (value, last)


def test_run_refuses_a_layer_the_list_does_not_offer(explorer, effnet):
    padding = next(n for n in effnet.layers if n.endswith("static_padding"))
    with pytest.raises(CourseError, match="not one the explorer offers"):
        explorer.run(padding, 0, show=False)
    with pytest.raises(CourseError, match="whole number from 0 to 111"):
        explorer.run("mid", 10_000, show=False)


def _decode(png: bytes) -> np.ndarray:
    from matplotlib.image import imread

    return imread(io.BytesIO(png), format="png")[..., :3]


def test_render_button_locks_controls_and_shows_the_settings_it_rendered(explorer, effnet,
                                                                         monkeypatch):
    explorer.show()
    w = explorer.widgets
    locked = []
    real = explorer_module.render

    def watching_render(*args, **kwargs):
        locked.append([w[n].disabled for n in ("layer", "channel", "button")])
        return real(*args, **kwargs)

    monkeypatch.setattr(explorer_module, "render", watching_render)
    w["layer"].value, w["channel"].value = "late", 3
    w["button"].click()
    assert locked == [[True, True, True]]
    assert not any(w[n].disabled for n in ("layer", "channel", "button"))
    assert explorer.pictured == ("late", 3)
    caption = w["caption"].value
    assert effnet.stages["late"] in caption and "channel 3" in caption
    assert f"{float(explorer.last.score[0]):.2f}" in caption
    assert w["picture"].value[:8] == PNG
    shown = _decode(w["picture"].value)
    assert np.abs(shown - as_hwc(explorer.last.images[0])).max() <= 1 / 255 + 1e-6


def test_changing_a_control_after_a_render_marks_the_picture_out_of_date(explorer):
    explorer.show()
    w = explorer.widgets
    w["layer"].value, w["channel"].value = "early", 1
    w["button"].click()
    w["channel"].value = 2
    status = w["status"].value
    assert "Settings changed to" in status and "channel 2 of" in status
    assert "still shows" in status and "channel 1 of" in status.split("still shows")[1]
    assert w["button"].button_style == "warning"
    w["channel"].value = 1  # back to what the picture shows
    assert "shows these settings" in w["status"].value
    w["layer"].value = "mid"
    assert "Settings changed" in w["status"].value


def test_channel_box_follows_the_layer(explorer, effnet):
    explorer.show()
    w = explorer.widgets
    w["layer"].value = "early"
    assert w["channel"].max == effnet.channels("early") - 1
    assert f"0 to {effnet.channels('early') - 1}" in w["channel_range"].value


def test_a_failed_render_says_so_and_keeps_the_last_picture(explorer, monkeypatch):
    explorer.show()
    w = explorer.widgets
    w["button"].click()
    before = w["picture"].value

    def broken(*args, **kwargs):
        raise RuntimeError("out of memory on the device")

    monkeypatch.setattr(explorer_module, "render", broken)
    w["channel"].value = 5
    assert explorer.render_now() is False
    assert "render failed" in w["status"].value and "out of memory" in w["status"].value
    assert w["picture"].value == before and explorer.pictured == ("mid", 0)
    assert not any(w[n].disabled for n in ("layer", "channel", "button"))
    assert isinstance(explorer.last_error, RuntimeError)
