"""CourseModel: layers named by stage, by name or in Lucent's spelling, with the nearest
names when one is wrong; channels and classes checked against the real counts; images
refused before the network runs; the input-size rule; the layers a learner would pick."""
import pytest
import torch

from course_utils.course_model import default_main_layers
from course_utils.errors import CourseError
from course_utils.hooks import capture
from course_utils.images import photo
from course_utils.models import imagenet_labels, inceptionv1_labels, wrap_module
from course_utils.optim import evaluate


def test_unknown_layer_on_the_real_model_suggests_the_real_name(effnet):
    with pytest.raises(CourseError) as info:
        effnet.resolve("_block.8")
    assert "'_blocks.8'" in str(info.value)
    assert effnet.resolve("_blocks_8") == "_blocks.8"  # Lucent-style names are accepted


def test_channel_count_in_the_message_is_the_real_one(effnet):
    images = torch.full((1, 3, 64, 64), 0.5)
    with capture(effnet.module, "_blocks.8") as acts:
        effnet(images)
    real_count = acts["_blocks.8"].shape[1]
    with pytest.raises(CourseError) as info:
        effnet.check_channel("mid", real_count)
    assert f"{real_count} channels" in str(info.value)
    effnet.check_channel("mid", real_count - 1)  # the last valid channel passes


@pytest.mark.parametrize("images, words", [
    (torch.rand(3, 16, 16), "(N, 3, H, W)"),
    (torch.rand(1, 16, 16, 3), ".permute(0, 3, 1, 2)"),
    (torch.randint(0, 255, (1, 3, 16, 16), dtype=torch.uint8), "images.float() / 255"),
    (torch.rand(1, 3, 16, 16) * 255, "[0, 1]"),
    (torch.full((1, 3, 16, 16), float("nan")), "NaN"),
    ([[0.5]], "torch.Tensor"),
])
def test_bad_images_are_refused_before_the_network_runs(tiny, images, words):
    seen = []
    handle = tiny.module.register_forward_pre_hook(lambda *_: seen.append(1))
    try:
        for call in (lambda: tiny(images), lambda: tiny.predict(images),
                     lambda: evaluate(tiny, "mid:0", images)):
            with pytest.raises(CourseError) as info:
                call()
            assert words in str(info.value)
    finally:
        handle.remove()
    assert seen == []


def test_range_message_reports_the_actual_range(tiny):
    with pytest.raises(CourseError) as info:
        tiny(torch.linspace(-2, 255, 3 * 16 * 16).reshape(1, 3, 16, 16))
    assert "[-2, 255]" in str(info.value)


def test_the_input_size_rule(effnet):
    assert effnet.input_size_for(128) == 224  # small images are upsampled
    assert effnet.input_size_for(300) == 300
    assert effnet.input_size_for(128, requested=96) == 96  # a request wins
    assert effnet.input_size_for(128, requested=96, reads_logits=True) == 96  # any head size
    fixed = type(effnet)(**{**effnet.__dict__, "fixed_input_size": True})
    assert fixed.input_size_for(128, requested=96, reads_logits=True) == 224


def test_predict_refuses_k_outside_the_classes(effnet):
    x = photo("coffee", 64)[None]
    for k in (0, 1001, 2.5, True):
        with pytest.raises(CourseError, match="k must be a whole number from 1 to 1000"):
            effnet.predict(x, k=k)


def test_main_layers_are_the_blocks_a_learner_would_pick(effnet):
    assert effnet.main_layers[0] == "_conv_stem" and "_blocks.8" in effnet.main_layers
    assert not any("static_padding" in n or "_bn" in n for n in effnet.main_layers)
    assert all(n in effnet.layers for n in effnet.main_layers)


class _Logits(torch.nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, classes, 1)

    def forward(self, x):
        return self.conv(x).mean((-2, -1))


def test_carton_is_found_by_name_in_each_models_own_order(effnet):
    index = effnet.class_index("carton")
    assert effnet.labels[index] == "carton" and index == imagenet_labels().index("carton")
    inception_order = wrap_module(_Logits(1008), input_size=32, labels=inceptionv1_labels())
    other = inception_order.class_index("carton")
    assert inception_order.labels[other] == "carton" and other != index
    assert effnet.class_index("Espresso") == effnet.labels.index("espresso")
    assert effnet.class_index(index) == index


def test_class_lookup_rejects_unknown_names_and_placeholder_labels(effnet):
    with pytest.raises(CourseError, match="did you mean 'carton'"):
        effnet.class_index("cartn")
    placeholders = wrap_module(_Logits(5), input_size=32)
    placeholders.labels_known = False
    with pytest.raises(CourseError, match="placeholders"):
        placeholders.class_index("carton")
    with pytest.raises(CourseError, match="1000 classes"):
        effnet.class_index(1000)


def _padding_modules(model):
    return [n for n in model.layers if n.endswith("static_padding")]


def test_padding_modules_exist_in_the_network_but_are_not_offered(effnet):
    padding = _padding_modules(effnet)
    assert padding, "EfficientNet pads with modules of its own; the filter must meet them"
    assert not set(padding) & set(default_main_layers(effnet.module, effnet.layers))


def test_no_top_level_convolution_is_filtered_out(effnet):
    from torch import nn

    modules = dict(effnet.module.named_modules())
    convs = [n for n in effnet.layers if "." not in n and isinstance(modules[n], nn.Conv2d)]
    assert convs and set(convs) <= set(default_main_layers(effnet.module, effnet.layers))
