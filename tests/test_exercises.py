"""Every exercise checker accepts the reference, says "not done yet" for an unsolved
exercise (and hands back the reference), and rejects plausible mistakes with a message
that names the mistake."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils.exercises import notebook02 as ascent, notebook05 as dataset_examples, notebook04 as objectives, notebook03 as priors
from course_utils.exercises.judging import NOT_DONE, ExerciseMistake


def not_done(*args, **kwargs):
    raise NotImplementedError()


def rejected(check, fn) -> str:
    with pytest.raises(ExerciseMistake) as info:
        check(fn)
    return str(info.value)


# --- 02: the hook and one ascent step ---------------------------------------------------

def detaching_hook(store):
    def hook(module, inputs, output):
        store["act"] = output.detach()
    return hook


def rebinding_hook(store):
    def hook(module, inputs, output):
        store = {"act": output}  # noqa: F841 — a new local dict, the caller's stays empty
    return hook


def step_downhill(pixels, optimizer, activation_of):
    optimizer.zero_grad()
    activation = activation_of(pixels)
    activation.backward()
    optimizer.step()
    with torch.no_grad():
        pixels.clamp_(0, 1)
    return activation.item()


def step_without_zero_grad(pixels, optimizer, activation_of):
    activation = activation_of(pixels)
    (-activation).backward()
    optimizer.step()
    with torch.no_grad():
        pixels.clamp_(0, 1)
    return activation.item()


def step_returns_the_next_activation(pixels, optimizer, activation_of):
    optimizer.zero_grad()
    (-activation_of(pixels)).backward()
    optimizer.step()
    with torch.no_grad():
        pixels.clamp_(0, 1)
    return activation_of(pixels).item()


def input_hook(store):
    def hook(module, inputs, output):
        store["act"] = inputs[0]
    return hook


def step_without_clamp(pixels, optimizer, activation_of):
    optimizer.zero_grad()
    activation = activation_of(pixels)
    (-activation).backward()
    optimizer.step()
    return activation.item()


# --- 03: the priors ---------------------------------------------------------------------

def tv_sum(x):
    return ((x[..., 1:, :] - x[..., :-1, :]).abs().sum((1, 2, 3))
            + (x[..., :, 1:] - x[..., :, :-1]).abs().sum((1, 2, 3)))


def tv_one_direction(x):
    return (x[..., :, 1:] - x[..., :, :-1]).abs().mean((1, 2, 3))


def tv_same_direction_twice(x):
    return 2 * (x[..., 1:, :] - x[..., :-1, :]).abs().mean((1, 2, 3))


def tv_signed(x):
    return (x[..., 1:, :] - x[..., :-1, :]).mean((1, 2, 3)) + (x[..., :, 1:] - x[..., :, :-1]).mean((1, 2, 3))


def tv_channel_zero_only(x):
    return ((x[:, :1, 1:, :] - x[:, :1, :-1, :]).abs().mean((1, 2, 3))
            + (x[:, :1, :, 1:] - x[:, :1, :, :-1]).abs().mean((1, 2, 3)))


def tv_whole_batch(x):
    return (x[..., 1:, :] - x[..., :-1, :]).abs().mean() + (x[..., :, 1:] - x[..., :, :-1]).abs().mean()


def tv_numpy(x):
    a = x.detach().numpy()
    return torch.tensor(np.abs(np.diff(a, axis=2)).mean((1, 2, 3)) + np.abs(np.diff(a, axis=3)).mean((1, 2, 3)))


def frequency(size):
    return torch.sqrt(torch.fft.fftfreq(size)[:, None] ** 2
                      + torch.fft.rfftfreq(size)[None, :] ** 2).clamp_min(1.0 / size)


def spectrum_unscaled(c, size):
    return torch.fft.irfft2(c, s=(size, size), norm="ortho")


def spectrum_squared(c, size):
    return torch.fft.irfft2(c / frequency(size) ** 2, s=(size, size), norm="ortho")


def spectrum_without_ortho(c, size):
    return torch.fft.irfft2(c / frequency(size), s=(size, size))


def rgb_transposed(x):
    return torch.einsum("cd,nchw->ndhw", priors.P.COLOR_MIX, x)


def rgb_last_axis(x):
    return x @ priors.P.COLOR_MIX.T


def crop_swapped(images, dx, dy, max_shift):
    h, w = images.shape[-2:]
    return images[..., dx:dx + h - max_shift, dy:dy + w - max_shift]


def crop_one_too_many(images, dx, dy, max_shift):
    h, w = images.shape[-2:]
    return images[..., dy:dy + h - max_shift + 1, dx:dx + w - max_shift + 1]


def relu_backward(x, grad):
    return grad * (x > 0)


def guided_in_place(x, grad):
    return grad.masked_fill_(x <= 0, 0).clamp_(min=0)


def positive_gradients_only(x, grad):
    return grad.clamp_min(0)


# --- 04: objectives ---------------------------------------------------------------------

def neuron_as_channel(a, c):
    return a[:, c].mean((-2, -1))


def neuron_rows_and_columns_swapped(a, c):
    h, w = a.shape[-2:]
    return a[:, c, w // 2, h // 2] if w // 2 < h and h // 2 < w else a[:, c, 0, 0]


def neuron_at_the_corner(a, c):
    return a[:, c, 0, 0]


def direction_unnormalized(a, v):
    return torch.einsum("nchw,c->nhw", a, v).mean((-2, -1))


def direction_summed(a, v):
    return torch.einsum("nchw,c->nhw", a, v / v.norm()).sum((-2, -1))


def diversity_with_self(a):
    n, c = a.shape[:2]
    flat = a.reshape(n, c, -1)
    gram = F.normalize(torch.bmm(flat, flat.transpose(1, 2)).reshape(n, -1), dim=1)
    return -(gram @ gram.T).mean(1)


def diversity_positions_gram(a):
    n, c = a.shape[:2]
    flat = a.reshape(n, c, -1)
    gram = F.normalize(torch.bmm(flat.transpose(1, 2), flat).reshape(n, -1), dim=1)
    sim = gram @ gram.T
    return -(sim.sum(1) - sim.diagonal()) / (n - 1)


def diversity_unnormalized(a):
    n, c = a.shape[:2]
    flat = a.reshape(n, c, -1)
    sim = torch.bmm(flat, flat.transpose(1, 2)).reshape(n, -1) @ \
        torch.bmm(flat, flat.transpose(1, 2)).reshape(n, -1).T
    return -(sim.sum(1) - sim.diagonal()) / (n - 1)


# --- 05: top patches --------------------------------------------------------------------

def top_patches_weakest(values, positions, width, jump, offset, size, k):
    return dataset_examples.top_patches(-np.asarray(values), positions, width, jump, offset, size, k)


def top_patches_swapped(values, positions, width, jump, offset, size, k):
    out = []
    for t in np.argsort(-np.asarray(values), kind="stable")[:k]:
        row, col = divmod(int(positions[t]), width)
        out.append((int(t), (offset + col * jump, offset + row * jump,
                             offset + col * jump + size, offset + row * jump + size)))
    return out


def top_patches_height_width(values, positions, width, jump, offset, size, k):
    return [(t, (box[0], box[1], size, size))
            for t, box in dataset_examples.top_patches(values, positions, width, jump, offset, size, k)]


def top_patches_no_offset(values, positions, width, jump, offset, size, k):
    return dataset_examples.top_patches(values, positions, width, jump, 0, size, k)


CASES = [  # checker, reference, [(wrong version, words the message must contain)]
    (ascent.check_record_output, ascent.record_output,
     [(detaching_hook, "detached"), (rebinding_hook, 'store["act"] is missing'),
      (input_hook, "*input*")]),
    (ascent.check_ascent_step, ascent.ascent_step,
     [(step_downhill, "goes *down*"), (step_without_zero_grad, "zero_grad"),
      (step_without_clamp, "clamp"), (step_returns_the_next_activation, "one step ahead")]),
    (priors.check_total_variation, priors.total_variation,
     [(tv_sum, "too large"), (tv_one_direction, "only one direction"),
      (tv_same_direction_twice, "same direction"), (tv_signed, "signed"),
      (tv_channel_zero_only, "check the two directions"),
      (tv_whole_batch, "shape ()"), (tv_numpy, "cut the gradient")]),
    (priors.check_spectrum_to_image, priors.spectrum_to_image,
     [(spectrum_unscaled, "not scaled"), (spectrum_squared, "twice"),
      (spectrum_without_ortho, 'norm="ortho"')]),
    (priors.check_decorrelated_to_rgb, priors.decorrelated_to_rgb,
     [(rgb_transposed, "transposed"), (rgb_last_axis, "shape")]),
    (priors.check_shift_crop, priors.shift_crop,
     [(crop_swapped, "swapped"), (crop_one_too_many, "shape")]),
    (priors.check_guided_relu_backward, priors.guided_relu_backward,
     [(relu_backward, "ordinary ReLU backward"), (positive_gradients_only, "input was negative"),
      (guided_in_place, "in place")]),
    (objectives.check_neuron_score, objectives.neuron_score,
     [(neuron_as_channel, "channel objective"), (neuron_at_the_corner, "off from the reference"),
      (neuron_rows_and_columns_swapped, "non-square")]),
    (objectives.check_direction_score, objectives.direction_score,
     [(direction_unnormalized, "not normalized"), (direction_summed, "too large")]),
    (objectives.check_diversity_score, objectives.diversity_score,
     [(diversity_with_self, "compared with itself"), (diversity_unnormalized, "not normalized"),
      (diversity_positions_gram, "C × C")]),
    (dataset_examples.check_top_patches, dataset_examples.top_patches,
     [(top_patches_weakest, "weakest"), (top_patches_swapped, "swapped"),
      (top_patches_no_offset, "offset + row * jump"), (top_patches_height_width, "not a height")]),
]


@pytest.mark.parametrize("check, reference, wrong", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_the_reference_passes(check, reference, wrong, capsys):
    assert check(reference) is reference
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("check, reference, wrong", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_an_unsolved_exercise_gets_the_reference(check, reference, wrong, capsys):
    assert check(not_done) is reference
    assert NOT_DONE in capsys.readouterr().out


@pytest.mark.parametrize("check, reference, wrong", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_plausible_mistakes_are_named(check, reference, wrong):
    assert len(wrong) >= 2
    for fn, words in wrong:
        message = rejected(check, fn)
        assert words in message, (fn.__name__, message)
        assert "put `raise NotImplementedError()` back" in message  # how to move on


def test_a_crash_in_the_learners_code_is_reported_briefly():
    def broken(images):
        return images.no_such_method()

    message = rejected(priors.check_total_variation, broken)
    assert "AttributeError" in message and "no_such_method" in message


def test_passing_something_that_is_not_a_function_is_explained():
    message = rejected(priors.check_total_variation, 3.0)
    assert "pass the function itself" in message


def test_a_mistake_is_shown_without_a_traceback():
    mistake = ExerciseMistake("total_variation: the sign is flipped.")
    assert mistake._render_traceback_() == ["\x1b[31m✗ total_variation: the sign is flipped.\x1b[0m"]
