"""Contract of the image side of the method: parameterizations, transforms and parameter
edits. Each refuses a bad argument in the learner's words, or gives finite images of the
promised shape (and, for parameterizations, in [0, 1])."""
import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

from contract_fuzz import fuzz, good_images, holds, mentions, odd, odd_or, refused, valid_images
from course_utils.optim import param, param_edits, transforms

SIZES = odd_or(st.integers(-2, 12), 4097, 10 ** 6, np.int64(8))
BATCHES = odd_or(st.integers(0, 3), 10 ** 6, 2 ** 40)
SEEDS = odd_or(None, 0, 7, 2 ** 63, -1)
SDS = odd_or(0.01, 0.0, 1.0, -0.01)


def check_param(result, size, batch):
    if refused(result):
        return
    with torch.no_grad():
        valid_images(result(), int(batch), int(size))


@fuzz(120)
@given(size=SIZES, batch=BATCHES, fft=odd_or(True, False), decorrelate=odd_or(True, False),
       seed=SEEDS, sd=SDS)
def test_image(size, batch, fft, decorrelate, seed, sd):
    result = holds(lambda: param.image(size, batch, fft=fft, decorrelate=decorrelate, seed=seed,
                                       sd=sd))
    check_param(result, size, batch)


INITS = odd_or(None, st.sampled_from(["good", "wrong side", "grey", "nan", "3-d", "ints"]))


def init_tensor(kind):
    if not isinstance(kind, str):
        return kind
    return {"good": torch.rand(2, 3, 8, 8), "wrong side": torch.rand(1, 3, 5, 5),
            "grey": torch.rand(1, 1, 8, 8), "nan": torch.full((1, 3, 8, 8), float("nan")),
            "3-d": torch.rand(3, 8, 8), "ints": torch.ones(1, 3, 8, 8, dtype=torch.int64)
            }.get(kind, kind)


@fuzz(100)
@given(size=SIZES, batch=BATCHES, seed=SEEDS, init=INITS)
def test_pixel_image(size, batch, seed, init):
    init = init_tensor(init)
    result = holds(lambda: param.PixelImage(size, batch, seed=seed, init=init))
    if not refused(result):
        with torch.no_grad():
            out = result()
        n = init.shape[0] if isinstance(init, torch.Tensor) else batch
        valid_images(out, int(n), int(size))


@fuzz(100)
@given(size=SIZES, batch=BATCHES, decorrelate=odd_or(True, False), sd=SDS,
       decay_power=odd_or(1.0, 0.0, 2.0, -1.0), seed=SEEDS)
def test_fourier_image(size, batch, decorrelate, sd, decay_power, seed):
    result = holds(lambda: param.FourierImage(size, batch, decorrelate=decorrelate, sd=sd,
                                              decay_power=decay_power, seed=seed))
    check_param(result, size, batch)


# --- transforms: built with odd arguments, applied to valid image batches -----------------

GENERATOR = torch.Generator().manual_seed(0)
TRANSFORMS = {
    "pad": (lambda a, b: transforms.pad(a, b), odd_or(0, 2, 5), odd_or(0.5, 0.0, 1.0)),
    "jitter": (lambda a, b: transforms.jitter(a, GENERATOR), odd_or(0, 1, 4, 30), odd),
    "random_scale": (lambda a, b: transforms.random_scale(a, GENERATOR),
                     odd_or([1.0], [0.9, 1.1], [0.0], [-1.0], [float("nan")], (1.2,)), odd),
    "random_rotate": (lambda a, b: transforms.random_rotate(a, GENERATOR, fill=b),
                      odd_or([0], [-10, 10], [float("inf")], range(-3, 4)), odd_or(0.5, 0.0)),
    "resize": (lambda a, b: transforms.resize(a), odd_or(1, 8, 16, 4097), odd),
    "RandomAffine": (lambda a, b: transforms.RandomAffine(**a, generator=GENERATOR),
                     st.fixed_dictionaries({}, optional={
                         "pad": odd_or(0, 4, 12), "jitter": odd_or(0, 4, 12, 100),
                         "scale": odd_or(0.0, 0.1, 0.5, 1.0), "degrees": odd_or(0.0, 10.0, 720),
                         "out_size": odd_or(None, 8, 16), "fill": odd_or(0.5)}), odd),
}


@fuzz(250)
@given(name=st.sampled_from(sorted(TRANSFORMS)), data=st.data(),
       images=good_images(max_batch=2, min_side=1, max_side=24))
def test_transforms(name, data, images):
    build, first, second = TRANSFORMS[name]
    a, b = data.draw(first, label="argument"), data.draw(second, label="second argument")
    made = holds(lambda: build(a, b))
    if refused(made):
        return
    result = holds(lambda: made(images))
    if not refused(result):
        assert result.dim() == 4 and result.shape[:2] == images.shape[:2]
        assert min(result.shape[-2:]) >= 1 and torch.isfinite(result).all()


@fuzz(100)
@given(images=st.one_of(good_images(2, 1, 24), odd,
                        st.builds(lambda x: x[0], good_images(1))),
       sigma=odd_or(st.floats(0, 3), 0.0, 50.0, -1.0))
def test_gaussian_blur(images, sigma):
    result = holds(lambda: transforms.gaussian_blur(images, sigma))
    if not refused(result):
        assert result.shape == images.shape and torch.isfinite(result).all()


# --- parameter edits: built with odd arguments, applied to each kind of image -------------

EDITS = {
    "blur_every": (lambda a, b: param_edits.blur_every(a, b), odd_or(1, 2, 3), odd_or(0.5, 0.0, 3.0)),
    "clip_pixels": (lambda a, b: param_edits.clip_pixels(a, b), odd_or(0.0, 0.2), odd_or(1.0, 0.8)),
    "clip_weak_pixels": (lambda a, b: param_edits.clip_weak_pixels(a), odd_or(0.1, 0.0, 0.99), odd),
    "chain": (lambda a, b: param_edits.chain(a, b), odd_or(None, "blur"), odd_or(None, "blur")),
}
IMAGES = {"pixels": lambda: param.PixelImage(8, batch=2, seed=0),
          "fourier": lambda: param.image(8, 2, seed=0),
          "decorrelated": lambda: param.image(8, 2, fft=False, seed=0)}


@fuzz(150)
@given(name=st.sampled_from(sorted(EDITS)), data=st.data(), kind=st.sampled_from(sorted(IMAGES)),
       step=st.integers(0, 3))
def test_param_edits(name, data, kind, step):
    build, first, second = EDITS[name]
    a, b = data.draw(first, label="argument"), data.draw(second, label="second argument")
    if name == "chain":
        a, b = (param_edits.blur_every(1) if v == "blur" else v for v in (a, b))
    edit = holds(lambda: build(a, b))
    if refused(edit):
        return
    image = IMAGES[kind]()

    def run():
        with torch.no_grad():
            edit(step, image)
            return image()

    result = holds(run)
    if refused(result):
        mentions(result, "PixelImage", "step", "sigma")
    else:
        valid_images(result, 2, 8)
