"""contract, the one way the package checks what it is given: each check gives the value
back in its clean form, or a one-line CourseError that names the argument, the value
and what is valid. (Every entry point's contract is fuzzed in tests/contract/.)"""
import numpy as np
import pytest
import torch
from torch import nn

from course_utils import contract
from course_utils.errors import CourseError


def refused(call) -> str:
    with pytest.raises(CourseError) as info:
        call()
    message = str(info.value)
    assert message.strip() and "\n" not in message
    return message


# --- numbers ------------------------------------------------------------------------------

@pytest.mark.parametrize("value, clean", [(3, 3), (np.int64(3), 3), (torch.tensor(3), 3)])
def test_whole_numbers_come_back_as_ints(value, clean):
    out = contract.whole_number(value, "n", 0, 5)
    assert out == clean and type(out) is int


@pytest.mark.parametrize("value", [True, 2.0, "3", None, torch.tensor(2.0), 6, -1])
def test_what_is_not_a_whole_number_in_range_is_refused_with_the_range(value):
    message = refused(lambda: contract.whole_number(value, "n", 0, 5, fix="Try 2."))
    assert message.startswith("n must be a whole number from 0 to 5, got") and message.endswith("Try 2.")


def test_real_numbers_have_open_and_closed_bounds():
    assert contract.real_number(np.float32(0.5), "x", 0, 1) == 0.5
    assert contract.real_number(1, "x", above=0, below=2) == 1.0
    for value, bounds in [(0, dict(above=0)), (2, dict(below=2)), (float("nan"), {}),
                          (10 ** 400, {}), (True, {})]:
        assert "x must be a finite number" in refused(lambda: contract.real_number(value, "x", **bounds))


def test_image_count_caps_the_pixels_of_a_parameterization():
    assert contract.image_count(1024, 128) == 1024  # 4096 x 4096 pixels in all
    assert "from 1 to 1024" in refused(lambda: contract.image_count(1025, 128))
    assert contract.image_count(1, 4096) == 1


# --- choices and collections --------------------------------------------------------------

def test_one_of_names_every_choice_and_the_closest():
    assert contract.one_of("max", "statistic", ("max", "min")) == "max"
    message = refused(lambda: contract.one_of("mex", "statistic", ("max", "min")))
    assert "'max', 'min'" in message and "did you mean 'max'?" in message
    assert "got True" in refused(lambda: contract.one_of(True, "tag", (0, 1)))  # True is not 1
    refused(lambda: contract.one_of(np.array([0, 1]), "tag", (0, 1)))


def test_lists_refuse_strings_dicts_and_single_values():
    assert contract.list_of(range(3), "xs", "[0]") == [0, 1, 2]
    for value in ("abc", {"a": 1}, 3, None):
        refused(lambda: contract.list_of(value, "xs", "[0]"))
    assert "is empty" in refused(lambda: contract.non_empty_list([], "xs", "[0]"))
    assert contract.real_list([1, float("nan")], "xs", "[1.0]", finite=False)[0] == 1.0
    refused(lambda: contract.real_list([1, float("nan")], "xs", "[1.0]"))


def test_at_least_says_what_needs_how_many():
    assert contract.at_least(3, 2, "The diversity objective", "images") == 3
    assert refused(lambda: contract.at_least(1, 2, "The diversity objective", "images")) == \
        "The diversity objective needs at least 2 images, got 1."


def test_a_box_is_four_whole_numbers_and_not_empty():
    assert contract.box((0, 1, 5, 6)) == (0, 1, 5, 6)
    assert "bottom" in refused(lambda: contract.box((4, 0, 4, 5)))
    refused(lambda: contract.box((0, 0, 5)))


# --- images ---------------------------------------------------------------------------------

@pytest.mark.parametrize("bad, words", [
    (torch.rand(3, 8, 8), "(N, 3, H, W)"),
    (torch.rand(1, 8, 8, 3), ".permute(0, 3, 1, 2)"),
    ((torch.rand(1, 3, 8, 8) * 255).to(torch.uint8), "images.float() / 255"),
    (torch.rand(1, 3, 8, 8) * 255, "must hold pixel values in [0, 1], got range"),
    (torch.full((1, 3, 8, 8), float("nan")), "NaN"),
    (np.zeros((1, 3, 8, 8), np.float32), "torch.Tensor"),
    (torch.zeros(0, 3, 8, 8), "empty"),
])
def test_a_network_is_given_rgb_images_in_the_unit_range(bad, words):
    assert words in refused(lambda: contract.image_batch(bad))


def test_the_image_check_gives_the_tensor_itself_gradients_intact():
    x = torch.rand(2, 3, 8, 8, requires_grad=True)
    assert contract.image_batch(x) is x
    y = (x * 3).half()  # outside [0, 1] and half precision: fine for a transform
    assert contract.image_batch(y, "x", rgb=False, unit_range=False) is y


def test_measurements_accept_arrays_and_single_images_as_cpu_copies():
    one = np.random.default_rng(0).random((1, 5, 5))  # a single grey image
    out = contract.image_batch(one, rgb=False, unit_range=False, convert=True)
    assert out.shape == (1, 1, 5, 5) and out.dtype == torch.float32
    assert "at least 2 pixels a side" in refused(
        lambda: contract.image_batch(torch.rand(1, 3, 1, 4), rgb=False, convert=True, min_side=2))


def test_sizes_and_squares():
    contract.image_batch(torch.rand(1, 3, 8, 8), side=8)
    assert "to match size=8" in refused(lambda: contract.image_batch(torch.rand(1, 3, 6, 6), side=8))
    assert "square" in refused(lambda: contract.image_batch(torch.rand(1, 3, 6, 8), square=True))


# --- the course's objects, known by what they can do -----------------------------------

def test_a_bare_module_is_told_to_wrap_itself_and_a_course_model_to_pass_its_module(tiny):
    assert contract.course_model(tiny) is tiny
    assert "wrap_module" in refused(lambda: contract.course_model(tiny.module))
    assert "model.module" in refused(lambda: contract.module(tiny))


def test_a_parameterization_must_make_rgb_images():
    class Grey(nn.Module):
        def __init__(self):
            super().__init__()
            self.value = nn.Parameter(torch.zeros(1, 1, 8, 8))

        def forward(self):
            return self.value

    pixels = nn.Module()
    pixels.p = nn.Parameter(torch.zeros(2, 3, 8, 8))
    pixels.forward = lambda: pixels.p
    assert contract.parameterization(pixels, torch.device("cpu"))[1:] == (2, 8)
    assert "(N, 3, H, W)" in refused(lambda: contract.parameterization(Grey(), torch.device("cpu")))
    assert "image parameterization" in refused(
        lambda: contract.parameterization(nn.Linear(2, 2).requires_grad_(False), "cpu"))


def test_render_fixes_the_image_shape_from_param_or_its_defaults(tiny):
    assert contract.image_shape(None, None, None, None) == (128, 1)
    pixels = nn.Module()
    pixels.p = nn.Parameter(torch.zeros(2, 3, 8, 8))
    pixels.forward = lambda: pixels.p
    assert contract.image_shape(None, 2, pixels, "cpu") == (8, 2)
    assert "size=16, but param makes 8" in refused(lambda: contract.image_shape(16, None, pixels, "cpu"))
    assert "batch=1, but param makes 2" in refused(lambda: contract.image_shape(None, 1, pixels, "cpu"))


def test_an_edit_for_raw_pixels_is_refused_for_any_other_image():
    class Pixels:
        pass

    def edit(step, param):
        pass

    edit.works_on = Pixels
    contract.edit_fits(edit, Pixels())
    contract.edit_fits(lambda s, p: None, None)  # an edit for any image
    assert "Fourier image (the default)" in refused(lambda: contract.edit_fits(edit, None))
    assert "works on a Pixels" in refused(lambda: contract.edit_fits(edit, object()))


def test_devices_that_are_not_here_are_answered_with_what_is():
    assert contract.device("CPU") == torch.device("cpu")
    assert "device='cuda'" in refused(lambda: contract.device("gpu"))
    assert "not a device" in refused(lambda: contract.device(True))
    assert "the device type" in refused(lambda: contract.device("meta"))


def test_weights_of_the_objective_algebra():
    assert float(contract.weight(2, "objective *", 1e6)) == 2.0
    assert contract.weight(torch.tensor([1.0, 2.0]), "objective *", 1e6).tolist() == [1.0, 2.0]
    assert "(almost) zero" in refused(lambda: contract.weight(0, "objective /", 1e6, nonzero=True))
    objective = type("Objective", (), {"layers": ["mid"], "__call__": lambda self, a: 0})()
    assert "cannot be multiplied" in refused(lambda: contract.weight(objective, "objective *", 1e6))
    assert "finite numbers" in refused(lambda: contract.weight(torch.tensor([1.0, float("inf")]),
                                                               "objective *", 1e6))
