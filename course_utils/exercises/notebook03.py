"""Notebook 03's exercises: total variation, the Fourier image with 1/f scaling, colour
decorrelation, a jitter transform and the guided-ReLU backward pass. Each checker compares
the learner's function with the reference on several inputs, then runs it inside a short
render on a small practice network."""
from typing import Callable

import torch

from ..hooks import IMAGE
from ..optim import objectives as obj
from ..optim import param as P
from ..optim.evaluate import input_gradient
from ..optim.guided import guided_relu
from ..optim.render import render
from .judging import ExerciseMistake, judge, practice_model, same


# --- reference solutions --------------------------------------------------------------

def total_variation(images: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference between neighbours (down, then right), one value per image."""
    down = (images[..., 1:, :] - images[..., :-1, :]).abs().mean((1, 2, 3))
    right = (images[..., :, 1:] - images[..., :, :-1]).abs().mean((1, 2, 3))
    return down + right


def spectrum_to_image(coefficients: torch.Tensor, size: int) -> torch.Tensor:
    """The image whose Fourier coefficients are ``coefficients`` × 1/frequency."""
    fy = torch.fft.fftfreq(size)[:, None]
    fx = torch.fft.rfftfreq(size)[None, :]
    frequency = torch.sqrt(fx ** 2 + fy ** 2).clamp_min(1.0 / size)
    return torch.fft.irfft2(coefficients / frequency, s=(size, size), norm="ortho")


def decorrelated_to_rgb(x: torch.Tensor) -> torch.Tensor:
    """Mix (N, 3, H, W) decorrelated colour channels into RGB with ``COLOR_MIX``."""
    return torch.einsum("dc,nchw->ndhw", P.COLOR_MIX.to(x), x)


def shift_crop(images: torch.Tensor, dx: int, dy: int, max_shift: int) -> torch.Tensor:
    """Crop ``max_shift`` pixels off the width and height, starting ``dx`` from the left
    and ``dy`` from the top (0 <= dx, dy <= max_shift)."""
    h, w = images.shape[-2:]
    return images[..., dy:dy + h - max_shift, dx:dx + w - max_shift]


def guided_relu_backward(x: torch.Tensor, grad_output: torch.Tensor) -> torch.Tensor:
    """The gradient a guided ReLU passes back: only where the input was positive *and*
    the incoming gradient is positive."""
    return grad_output * ((x > 0) & (grad_output > 0)).to(grad_output.dtype)


# --- helpers ---------------------------------------------------------------------------

def _images(seed: int, *shape) -> torch.Tensor:
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed))


def _needs_gradient(fn, x, what):
    x = x.clone().requires_grad_(True)
    out = fn(x)
    if not isinstance(out, torch.Tensor) or not out.requires_grad:
        raise ExerciseMistake(f"{what} cut the gradient (numpy, .item(), .detach() or a "
                              "Python loop over values): the optimizer cannot follow it.")


def _short_render(model, objective, **options):
    return render(model, objective, size=16, steps=4, seed=0, **options)


# --- checkers ---------------------------------------------------------------------------

TV_HINT = ("check the two directions (one along H, dim -2; one along W, dim -1), the .abs(), "
           "and that each mean covers channels and positions.")


def _total_variation_mistakes(x: torch.Tensor) -> list:
    """(message, result) for the common wrong versions of ``total_variation`` on ``x``."""
    down, right = x[..., 1:, :] - x[..., :-1, :], x[..., :, 1:] - x[..., :, :-1]
    mean = lambda d: d.mean((1, 2, 3))  # noqa: E731
    same_direction = ("both terms take the difference along the same direction: one should "
                      "compare vertical neighbours (dim -2), the other horizontal ones (dim -1).")
    one_direction = ("only one direction is counted: add the vertical (dim -2) and the "
                     "horizontal (dim -1) differences.")
    return [(same_direction, 2 * mean(down.abs())), (same_direction, 2 * mean(right.abs())),
            (one_direction, mean(down.abs())), (one_direction, mean(right.abs())),
            ("the differences are signed, so ups and downs cancel: take .abs() before the mean.",
             mean(down) + mean(right)),
            ("the differences are squared; this total variation uses their absolute value.",
             mean(down ** 2) + mean(right ** 2))]


def check_total_variation(total_variation_fn: Callable) -> Callable:
    """Compare with the reference on batches of several shapes, then use it as a penalty."""
    def tests(fn):
        for seed, shape in enumerate([(2, 3, 8, 8), (3, 3, 5, 9), (1, 3, 16, 4)]):
            x = _images(seed, *shape)
            same(fn(x), total_variation(x), f"total_variation on a {shape} batch",
                 mistakes=_total_variation_mistakes(x), hint=TV_HINT)
        _needs_gradient(fn, _images(3, 2, 3, 8, 8), "total_variation")
        model = practice_model()
        mine = obj.Objective(lambda a: fn(a[IMAGE]), [IMAGE], "your total_variation")
        theirs = obj.Objective(lambda a: total_variation(a[IMAGE]), [IMAGE], "total_variation")
        ours = _short_render(model, obj.channel("mid", 0) - 0.5 * theirs)
        yours = _short_render(model, obj.channel("mid", 0) - 0.5 * mine)
        same(torch.as_tensor(yours.history), torch.as_tensor(ours.history),
             "the scores of a render penalized by it")
        return "3 batch shapes, its gradient, and a penalized render"

    return judge("total_variation", total_variation_fn, total_variation, tests)


class _LearnerFourierImage(P.FourierImage):
    """``FourierImage`` with the learner's ``spectrum_to_image`` inside."""

    def __init__(self, fn, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fn = fn

    def forward(self):
        image = self.fn(torch.view_as_complex(self.spectrum), self.size) / 4.0
        return torch.sigmoid(P.decorrelated_to_rgb(image) if self.decorrelate else image)


def check_spectrum_to_image(spectrum_to_image_fn: Callable) -> Callable:
    """Compare on random spectra of several sizes, then render with it."""
    def tests(fn):
        for seed, size in enumerate([8, 9, 16]):
            g = torch.Generator().manual_seed(seed)
            coeffs = torch.complex(torch.randn(2, 3, size, size // 2 + 1, generator=g),
                                   torch.randn(2, 3, size, size // 2 + 1, generator=g))
            got = fn(coeffs, size)
            expected = spectrum_to_image(coeffs, size)
            if isinstance(got, torch.Tensor) and got.shape == expected.shape:
                unscaled = torch.fft.irfft2(coeffs, s=(size, size), norm="ortho")
                if torch.allclose(got, unscaled, atol=1e-4):
                    raise ExerciseMistake("the coefficients were not scaled: multiply each "
                                          "by 1 / frequency before the inverse transform.")
                frequency = P.radial_frequencies(size, size, rfft=True).clamp_min(1.0 / size)
                squared = spectrum_to_image(coeffs / frequency, size)
                if torch.allclose(got, squared, atol=1e-4, rtol=1e-3):
                    raise ExerciseMistake("the coefficients were divided by frequency twice "
                                          "(1/f², not 1/f).")
            same(got, expected, f"the image from a {size}×{size} spectrum",
                 mistakes=[("off by a factor 1/size: pass norm=\"ortho\" to torch.fft.irfft2.",
                            expected / size)])
        model = practice_model()
        start = P.FourierImage(16, decorrelate=False, seed=1)
        yours = _LearnerFourierImage(fn, 16, decorrelate=False, seed=1)
        ours = _short_render(model, obj.channel("mid", 0), param=start)
        mine = _short_render(model, obj.channel("mid", 0), param=yours)
        same(mine.images, ours.images, "a render's image with your parameterization",
             atol=1e-4, rtol=1e-3)
        return "3 sizes and a 4-step render"

    return judge("spectrum_to_image", spectrum_to_image_fn, spectrum_to_image, tests)


def check_decorrelated_to_rgb(decorrelated_to_rgb_fn: Callable) -> Callable:
    """Compare on random batches; the mixing must act on the channel axis."""
    def tests(fn):
        for seed, shape in enumerate([(1, 3, 4, 4), (2, 3, 5, 7)]):
            x = torch.randn(*shape, generator=torch.Generator().manual_seed(seed))
            got = fn(x)
            wrong_way = torch.einsum("cd,nchw->ndhw", P.COLOR_MIX, x)
            if isinstance(got, torch.Tensor) and got.shape == x.shape and \
                    torch.allclose(got, wrong_way, atol=1e-5):
                raise ExerciseMistake("the colour matrix is transposed: output channel d is "
                                      "Σ_c COLOR_MIX[d, c] · x[c].")
            same(got, decorrelated_to_rgb(x), f"the RGB image of a {shape} batch")
        _needs_gradient(fn, torch.randn(1, 3, 4, 4), "decorrelated_to_rgb")
        return "2 batch shapes and its gradient"

    return judge("decorrelated_to_rgb", decorrelated_to_rgb_fn, decorrelated_to_rgb, tests)


def check_shift_crop(shift_crop_fn: Callable) -> Callable:
    """Every offset on a coded image, then as the random transform of a short render."""
    def tests(fn):
        coded = torch.arange(2 * 3 * 10 * 12, dtype=torch.float32).reshape(2, 3, 10, 12)
        for dx, dy in [(0, 0), (4, 0), (0, 4), (1, 3), (4, 4)]:
            got = fn(coded, dx, dy, 4)
            if isinstance(got, torch.Tensor) and torch.equal(got, shift_crop(coded, dy, dx, 4)) \
                    and dx != dy:
                raise ExerciseMistake("dx and dy are swapped: dx moves the window to the right "
                                      "(the last axis), dy down (the second-to-last).")
            same(got, shift_crop(coded, dx, dy, 4), f"the crop at dx={dx}, dy={dy}", atol=0)
        model = practice_model()
        g1, g2 = torch.Generator().manual_seed(0), torch.Generator().manual_seed(0)

        def moves(fn, g):
            return lambda x: fn(x, *torch.randint(0, 5, (2,), generator=g).tolist(), 4)

        ours = _short_render(model, obj.channel("mid", 0), transforms=[moves(shift_crop, g1)])
        mine = _short_render(model, obj.channel("mid", 0), transforms=[moves(fn, g2)])
        same(mine.images, ours.images, "a render jittered by your crop", atol=1e-5)
        return "5 offsets and a jittered render"

    return judge("shift_crop", shift_crop_fn, shift_crop, tests)


def check_guided_relu_backward(guided_relu_backward_fn: Callable) -> Callable:
    """Compare on inputs and gradients of both signs, then backpropagate through a network."""
    def tests(fn):
        x = torch.tensor([-2.0, -1.0, 0.5, 1.0, 3.0, 2.0])
        grad = torch.tensor([1.0, -1.0, 2.0, -3.0, 0.5, 0.0])
        given = grad.clone()
        got = fn(x.clone(), given)
        if not torch.equal(given, grad):
            raise ExerciseMistake("your function changed grad_output in place: return a new "
                                  "tensor instead (e.g. grad_output * mask), since in a real "
                                  "network the same gradient can be used elsewhere.")
        if isinstance(got, torch.Tensor) and torch.equal(got, grad * (x > 0)):
            raise ExerciseMistake("that is the ordinary ReLU backward: guided backpropagation "
                                  "also zeroes the negative incoming gradients.")
        if isinstance(got, torch.Tensor) and torch.equal(got, grad.clamp_min(0)):
            raise ExerciseMistake("negative gradients are gone, but the gradient still flows "
                                  "where the ReLU's input was negative (the unit was off).")
        same(got, guided_relu_backward(x, grad), "the gradient on 6 hand-made values", atol=0)
        random_x, random_g = torch.randn(2, 4, 5, 5), torch.randn(2, 4, 5, 5)
        same(fn(random_x, random_g), guided_relu_backward(random_x, random_g),
             "the gradient on a random feature map")
        model = practice_model()
        photo = _images(5, 1, 3, 32, 32)
        with guided_relu(model.module):
            expected = input_gradient(model, obj.channel("late", 3), photo)
        with _backward_replaced(model.module, fn):
            mine = input_gradient(model, obj.channel("late", 3), photo)
        same(mine, expected, "the guided input gradient of a small network")
        return "hand-made and random values, and a guided input gradient"

    return judge("guided_relu_backward", guided_relu_backward_fn, guided_relu_backward, tests)


class _backward_replaced:
    """Inside the block, the network's ReLUs use ``fn`` as their backward pass."""

    def __init__(self, module, fn):
        self.module, self.fn = module, fn

    def __enter__(self):
        fn = self.fn

        class LearnerReLU(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x.clamp_min(0)

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return fn(x, grad)

        self.relus = [m for m in self.module.modules() if isinstance(m, torch.nn.ReLU)]
        for relu in self.relus:
            relu.forward = LearnerReLU.apply
        return self

    def __exit__(self, *exc):
        for relu in self.relus:
            del relu.forward


__all__ = ["check_total_variation", "check_spectrum_to_image", "check_decorrelated_to_rgb",
           "check_shift_crop", "check_guided_relu_backward"]
