"""Notebook 03's checkers (total variation, the Fourier image, colour decorrelation, the
crop and the guided-ReLU backward) accept the reference, hand it back for an unsolved
exercise, and name each plausible mistake."""
import numpy as np
import torch

from checker_cases import checker_tests
from course_utils.exercises import notebook03


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
    return torch.einsum("cd,nchw->ndhw", notebook03.P.COLOR_MIX, x)


def rgb_last_axis(x):
    return x @ notebook03.P.COLOR_MIX.T


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


CASES = [  # checker, reference, [(wrong version, words the message must contain)]
    (notebook03.check_total_variation, notebook03.total_variation,
     [(tv_sum, "too large"), (tv_one_direction, "only one direction"),
      (tv_same_direction_twice, "same direction"), (tv_signed, "signed"),
      (tv_channel_zero_only, "check the two directions"),
      (tv_whole_batch, "shape ()"), (tv_numpy, "cut the gradient")]),
    (notebook03.check_spectrum_to_image, notebook03.spectrum_to_image,
     [(spectrum_unscaled, "not scaled"), (spectrum_squared, "twice"),
      (spectrum_without_ortho, 'norm="ortho"')]),
    (notebook03.check_decorrelated_to_rgb, notebook03.decorrelated_to_rgb,
     [(rgb_transposed, "transposed"), (rgb_last_axis, "shape")]),
    (notebook03.check_shift_crop, notebook03.shift_crop,
     [(crop_swapped, "swapped"), (crop_one_too_many, "shape")]),
    (notebook03.check_guided_relu_backward, notebook03.guided_relu_backward,
     [(relu_backward, "ordinary ReLU backward"), (positive_gradients_only, "input was negative"),
      (guided_in_place, "in place")]),
]


globals().update(checker_tests(CASES))
