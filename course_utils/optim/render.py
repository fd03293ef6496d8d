"""The optimization loop: make an image that maximizes an objective.

Reading ``render`` tells the whole story: check what it is given, build the image and
the random transforms, then for each step transform the image, run the network only as
far as the objective needs, and take an Adam step uphill. Speed and memory are the
engine's business, behind one door (``engine.network``); the model is given back
exactly as it was, however the loop ends.
"""
import time
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Union

import numpy as np
import torch
from torch import nn

from .. import contract, engine
from ..errors import CourseError
from ..hooks import IMAGE, LOGITS
from ..progress import progress_bar
from . import objectives as obj
from .evaluate import evaluate
from .param import image
from .param_edits import ParamEdit
from .transforms import RandomAffine, compose, resize, standard_transforms

TransformSpec = Union[str, None, Callable, Sequence[Callable]]


@dataclass
class RenderResult:
    """What a render produced. Images are (batch, 3, H, W) tensors in [0, 1] on the CPU."""

    images: torch.Tensor
    history: np.ndarray  # (steps, batch): the objective's score at each step
    score: np.ndarray  # (batch,): the objective on the final images, no random transforms
    seconds: float = 0.0
    steps: int = 0
    interrupted: bool = False

    def numpy(self) -> np.ndarray:
        """Final images as (batch, H, W, 3) arrays, ready for ``plt.imshow``."""
        return self.images.permute(0, 2, 3, 1).numpy()

    @property
    def seconds_per_step(self) -> float:
        return self.seconds / max(1, self.steps)


def render(model, objective, *, size: Optional[int] = None, steps: int = 256,
           batch: Optional[int] = None, param: Optional[nn.Module] = None,
           transforms: TransformSpec = "standard", lr: float = 0.05, seed: Optional[int] = 0,
           input_size: Optional[int] = None, param_edit: Optional[ParamEdit] = None,
           progress: bool = False) -> RenderResult:
    """Optimize an image so that ``objective`` is as large as possible.

    model: a ``CourseModel`` (``course_utils.load_model()``).
    objective: an ``Objective`` (``channel('mid', 3) - 0.05 * total_variation()``) or
        Lucent's shorthand ``'mid:3'`` (``'logits:7'`` for a class).
    size, batch: side and number of images (default 128 px and 1; size 8 to 4096; a
        batch that does not fit in memory is refused with how many do).
    steps: optimization steps (1 to 100 000). lr: Adam's learning rate (> 0, at most 10).
    param: the image's parameterization (``course_utils.optim.param``; default
        ``param.image(size, batch, seed=seed)``: Fourier spectrum + decorrelated colour):
        an nn.Module whose ``forward()`` gives (N, 3, H, W) images; it fixes size and batch.
    transforms: ``'standard'`` (``transforms.standard_transforms``), None / ``'none'``, or
        your own callable(s) on image batches, such as a list like Lucent's.
    seed: None, or a whole number from 0 to 2**63 - 1 that fixes the start and every
        random transform.
    input_size: None (the model's input-size rule, at least its native size, as Lucent
        does) or the side of the image the network sees, 16 to 4096.
    param_edit: None or ``edit(step, param)`` run after each update, without gradients
        (``course_utils.optim.param_edits``: blur every k steps, clipping).
    progress: True shows a progress bar.
    """
    objective = obj.parse(objective)
    size, batch, steps, lr, seed, input_size = contract.render_arguments(
        model, objective, size=size, batch=batch, steps=steps, lr=lr, seed=seed, param=param,
        input_size=input_size, transforms=transforms, param_edit=param_edit, progress=progress)
    if seed is not None:
        torch.manual_seed(seed)  # for transforms you write yourself with torch.rand & co.
    param = (image(size, batch, seed=seed) if param is None else param).to(model.device)
    input_size = model.input_size_for(size, input_size, reads_logits=LOGITS in objective.layers)
    transform = compose(_listed(transforms, seed) + [resize(input_size)])
    optimizer = torch.optim.Adam(param.parameters(), lr=lr)
    history, interrupted, start = [], False, time.perf_counter()
    with engine.network(model, objective, input_size=input_size, batch=batch,
                        start=param) as run_network:
        try:
            for step in progress_bar(range(steps), desc=objective.name, disable=not progress,
                                     leave=False):
                optimizer.zero_grad(set_to_none=True)
                images = param()
                acts = run_network(transform(images))
                acts[IMAGE] = images
                score = objective(acts)
                _check_finite(score, step)
                (-score.sum()).backward()
                optimizer.step()
                if param_edit is not None:
                    with torch.no_grad():
                        param_edit(step, param)
                history.append(score.detach())
        except KeyboardInterrupt:
            interrupted = True
            print(f"Interrupted at step {len(history)}; returning the image so far.")
    seconds = time.perf_counter() - start
    final = param().detach().float().cpu()
    score = evaluate(model, objective, final, input_size)  # no random transforms
    return RenderResult(final, _stacked(history, batch), score, seconds, len(history), interrupted)


def _listed(spec: TransformSpec, seed: Optional[int]) -> List[Callable]:
    """The transforms as a list: ``'standard'`` is ``standard_transforms``. With a seed, a
    warp (``RandomAffine``) with no generator of its own gets one, seeded with ``seed + 1``
    (the start image draws from ``seed``): its draws then repeat with the seed, apart
    from the start image's and whatever else uses the global generator."""
    if isinstance(spec, str):
        steps = list(standard_transforms) if spec == "standard" else []
    else:
        steps = [] if spec is None else list(spec) if isinstance(spec, (list, tuple)) else [spec]
    return [t.seeded(seed + 1) if seed is not None and isinstance(t, RandomAffine)
            and t.generator is None else t for t in steps]


def _stacked(history: List[torch.Tensor], batch: int) -> np.ndarray:
    """The scores of every step as one (steps, batch) array, copied off the device once."""
    if not history:
        return np.zeros((0, batch), dtype=np.float32)
    return torch.stack(history).float().cpu().numpy()


def _check_finite(score: torch.Tensor, step: int) -> None:
    if not torch.isfinite(score).all():
        raise CourseError(f"The objective became NaN or infinite at step {step}. "
                          "Lower the learning rate (lr=) or add a penalty such as "
                          "- 0.05 * total_variation().")
