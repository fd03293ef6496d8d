"""The optimization loop: make an image that maximizes an objective.

Reading ``render`` tells the whole story: build the image parameterization, then for
each step transform the image, run the network only as far as the objective needs,
and take an Adam step uphill. The model is frozen during the loop and given back
exactly as it was, however the loop ends.
"""
import operator
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import reduce
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Union

import numpy as np
import torch
from torch import nn

from ..errors import CourseError
from ..images import check_images
from . import budget
from . import objectives as obj
from .memory import keep_freed_memory
from .param import image as make_image
from .speed import render_copy
from .transforms import RandomAffine, compose, resize

TransformSpec = Union[str, None, Callable, Sequence[Callable]]


@dataclass
class Render:
    """What a render produced. Images are (batch, 3, H, W) tensors in [0, 1] on the CPU."""

    images: torch.Tensor
    history: np.ndarray  # (steps, batch): the objective's score at each step
    activation: np.ndarray  # (batch,): score of the final images, no random transforms
    snapshots: Dict[int, torch.Tensor] = field(default_factory=dict)
    seconds: float = 0.0
    steps: int = 0
    interrupted: bool = False

    def numpy(self) -> np.ndarray:
        """Final images as (batch, H, W, 3) arrays, ready for ``plt.imshow``."""
        return self.images.permute(0, 2, 3, 1).numpy()

    @property
    def seconds_per_step(self) -> float:
        return self.seconds / max(1, self.steps)


class _StopForward(Exception):
    """Raised from a hook once every layer the objective reads has been computed."""


@contextmanager
def frozen(module: nn.Module):
    """Eval mode and no weight gradients inside the block; restored exactly afterwards."""
    flags = [(p, p.requires_grad) for p in module.parameters()]
    modes = [(m, m.training) for m in module.modules()]
    grads = [(p, p.grad) for p in module.parameters()]
    try:
        module.eval()
        for p, _ in flags:
            p.requires_grad_(False)
        yield module
    finally:
        for p, flag in flags:
            p.requires_grad_(flag)
        for m, mode in modes:
            m.training = mode
        for p, grad in grads:
            p.grad = grad


class LayerReader:
    """Hooks that record the layers an objective reads, and can stop the forward pass
    as soon as the last of them is computed. Use as a context manager."""

    def __init__(self, model, layer_names: Iterable[str], stop_early: bool = True,
                 module: Optional[nn.Module] = None):
        self.model, self.stop_early = model, stop_early
        self.module = module if module is not None else model.module
        self.wanted: Dict[str, List[str]] = {}  # real layer name → names the objective uses
        logits_layer = getattr(model, "logits_layer", None)
        for name in layer_names:
            if name == obj.LOGITS and logits_layer is None:
                continue
            real = logits_layer if name == obj.LOGITS else model.resolve(name)
            self.wanted.setdefault(real, []).append(name)
        self.needs_logits = obj.LOGITS in set(layer_names) and logits_layer is None
        self.acts: Dict[str, torch.Tensor] = {}
        self._handles = []

    def __enter__(self):
        modules = dict(self.module.named_modules())
        try:
            for real in self.wanted:
                self._handles.append(modules[real].register_forward_hook(self._hook(real)))
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        for h in self._handles:
            h.remove()
        self._handles.clear()

    def _hook(self, real: str):
        def hook(_module, _inputs, output):
            for name in self.wanted[real]:
                self.acts[name] = output
            if self.stop_early and not self.needs_logits and len(self.acts) == self._count:
                raise _StopForward
        return hook

    @property
    def _count(self) -> int:
        return sum(len(v) for v in self.wanted.values())

    def __call__(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Run the network on preprocessed input; return the captured activations."""
        self.acts = {}
        try:
            out = self.module(x)
            if self.needs_logits:
                self.acts[obj.LOGITS] = out
        except _StopForward:
            pass
        return self.acts


def _transform_fn(spec: TransformSpec, input_size: int, generator) -> Callable:
    if spec == "standard":
        return RandomAffine(out_size=input_size, generator=generator)
    if spec is None or spec == "none":
        return resize(input_size)
    if isinstance(spec, str):
        raise CourseError(f"Unknown transforms {spec!r}: use 'standard', None, a callable or "
                          "a list of callables.")
    steps = list(spec) if isinstance(spec, (list, tuple)) else [spec]
    return compose(steps + [resize(input_size)])


def validate(model, objective: obj.Objective) -> None:
    """Check layer names and channel indices before any work starts."""
    for name in objective.layers:
        if name != obj.LOGITS:
            model.resolve(name)
    for name, n in objective.channels:
        model.check_channel(name, n)


def _network(model, fast: bool) -> nn.Module:
    return render_copy(model) if fast else model.module


def _prepare(x: torch.Tensor, fast: bool) -> torch.Tensor:
    return x.contiguous(memory_format=torch.channels_last) if fast else x


@torch.no_grad()
def evaluate(model, objective, images: torch.Tensor, input_size: Optional[int] = None,
             fast: bool = True) -> np.ndarray:
    """Score of each image under ``objective``, with no random transforms."""
    objective = obj.parse(objective)
    validate(model, objective)
    check_images(images)
    size = input_size or max(images.shape[-1], model.input_size)
    x = _prepare(model.preprocess(resize(size)(images.to(model.device))), fast)
    with frozen(model.module), LayerReader(model, objective.layers,
                                           module=_network(model, fast)) as read:
        return objective(read(x)).float().cpu().numpy()


def channel_activations(model, layer: str, images: torch.Tensor,
                        input_size: Optional[int] = None) -> np.ndarray:
    """Mean activation of every channel of ``layer`` on every image: (images, channels).

    One forward pass gives what ``evaluate`` with a channel objective gives per channel.
    """
    return evaluate(model, obj.Objective(lambda a: a[layer].mean((-2, -1)), [layer],
                                         f"channels({layer})"), images, input_size)


def render(model, objective, *, size: int = 128, steps: int = 256, batch: int = 1,
           param: Optional[nn.Module] = None, transforms: TransformSpec = "standard",
           lr: float = 0.05, seed: Optional[int] = 0, snapshots: Sequence[int] = (),
           input_size: Optional[int] = None, progress: bool = True,
           stop_early: bool = True, regularizer: Optional[Callable] = None,
           callback: Optional[Callable] = None, fast: bool = True) -> Render:
    """Optimize an image so that ``objective`` is as large as possible.

    model: a ``CourseModel`` (see ``course_utils.models.load_model``).
    objective: an ``Objective`` (``channel('mid', 3)``) or a string ``'mid:3'``.
    size, batch: output image side and how many images; param: a parameterization from
        ``course_utils.optim.param`` (default: FFT + decorrelated colour, seeded).
    transforms: ``'standard'`` (pad, jitter, scale, rotate as one warp), None, or your own.
    input_size: side of the image the model sees (default: at least its native size,
        like Lucent, which upsamples small images to 224 px).
    snapshots: steps at which to keep a copy of the image. regularizer: a function of the
        image batch returning a penalty per image (subtracted from the score).
    callback: ``callback(step, param)`` runs after each update, without gradients (for
        blurring or clipping the parameters every few steps).
    fast: run on a cached render copy of the network with exact speed-ups (folded
        BatchNorm, faster equivalents of slow layers, channels-last); the model itself
        is never modified.
    """
    objective = obj.parse(objective)
    validate(model, objective)
    if not isinstance(steps, int) or steps < 1:
        raise CourseError(f"steps must be a positive integer, got {steps!r}.")
    if seed is not None:
        torch.manual_seed(seed)
    keep_freed_memory()  # steps reuse freed activations instead of faulting in fresh pages
    if param is None:  # refuse an oversized batch before allocating anything
        budget.check_fits(model, objective, batch, input_size or max(size, model.input_size),
                          stop_early)
    param = param if param is not None else make_image(size, batch, seed=seed)
    device = model.device
    param = param.to(device)
    with torch.no_grad():
        first = param()
    batch, size = first.shape[0], first.shape[-1]
    input_size = input_size or max(size, model.input_size)
    budget.check_fits(model, objective, batch, input_size, stop_early)  # also for a given param
    evaluate(model, objective, first, input_size, fast)  # dry run: mistakes surface before step 0
    generator = torch.Generator().manual_seed(seed + 1) if seed is not None else None
    transform = _transform_fn(transforms, input_size, generator)
    optimizer = torch.optim.Adam(param.parameters(), lr=lr)

    from ..progress import progress_bar

    history, kept = [], {}
    wanted = set(snapshots)
    interrupted = False
    start = time.perf_counter()
    network = _network(model, fast)
    with frozen(model.module), LayerReader(model, objective.layers, stop_early,
                                           module=network) as read:
        try:
            for step in progress_bar(range(steps), disable=not progress, desc=objective.name,
                             leave=False):
                optimizer.zero_grad(set_to_none=True)
                img = param()
                if step in wanted:
                    kept[step] = img.detach().float().cpu().clone()
                score = objective(read(_prepare(model.preprocess(transform(img)), fast)))
                if regularizer is not None:
                    score = score - regularizer(img)
                if not torch.isfinite(score).all():
                    raise CourseError(f"The objective became NaN or infinite at step {step}. "
                                      "Lower the learning rate or add a regularizer.")
                (-score.sum()).backward()
                optimizer.step()
                if callback is not None:
                    with torch.no_grad():
                        callback(step, param)
                history.append(score.detach().float().cpu().numpy())
        except KeyboardInterrupt:
            interrupted = True
            print(f"Interrupted at step {len(history)}; returning the image so far.")
    seconds = time.perf_counter() - start
    with torch.no_grad():
        final = param().detach().float().cpu()
    activation = evaluate(model, objective, final.to(device), input_size, fast)
    hist = np.stack(history) if history else np.zeros((0, batch), dtype=np.float32)
    return Render(final, hist, activation, kept, seconds, len(history), interrupted)


def render_channels(model, layer: str, channels: Sequence[int], **kwargs) -> Render:
    """Visualize several channels of one layer in a single batched render (in several
    batches when one would not fit in memory)."""
    channels = list(channels)
    pieces = budget.gallery_pieces(model, layer, channels, kwargs)
    if len(pieces) > 1:
        return budget.render_pieces(lambda p: render_channels(model, layer, p, **kwargs), pieces)
    objective = reduce(operator.add, [obj.channel(layer, c, batch=i)
                                      for i, c in enumerate(channels)])
    objective.name = f"{layer}: {len(channels)} channels"  # short progress-bar label
    return render(model, objective, batch=len(channels), **kwargs)
