"""The optimization loop: make an image that maximizes an objective.

Reading ``render`` tells the whole story: build the image parameterization, then for
each step transform the image, run the network only as far as the objective needs,
and take an Adam step uphill. Speed and memory are the engine's business, behind one
door (``engine.network``); the model is given back exactly as it was, however the loop
ends.
"""
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, Optional, Sequence, Union

import numpy as np
import torch
from torch import nn

from .. import contract, engine
from ..errors import CourseError
from ..hooks import IMAGE, LOGITS
from ..progress import progress_bar
from . import arguments
from . import objectives as obj
from .evaluate import checked_input_size, evaluate, validate
from .param import image as default_image
from .param_edits import ParamEdit
from .transforms import RandomAffine, compose, resize

TransformSpec = Union[str, None, Callable, Sequence[Callable]]


@dataclass
class RenderResult:
    """What a render produced. Images are (batch, 3, H, W) tensors in [0, 1] on the CPU."""

    images: torch.Tensor
    history: np.ndarray  # (steps, batch): the objective's score at each step
    score: np.ndarray  # (batch,): the objective on the final images, no random transforms
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


def render(model, objective, *, size: int = 128, steps: int = 256, batch: int = 1,
           param: Optional[nn.Module] = None, transforms: TransformSpec = "standard",
           lr: float = 0.05, seed: Optional[int] = 0, snapshots: Sequence[int] = (),
           input_size: Optional[int] = None, param_edit: Optional[ParamEdit] = None,
           progress: bool = True, speed_ups: bool = True) -> RenderResult:
    """Optimize an image so that ``objective`` is as large as possible.

    model: a ``CourseModel`` (``course_utils.load_model()``).
    objective: an ``Objective`` (``channel('mid', 3) - 0.05 * total_variation()``) or
        Lucent's shorthand ``'mid:3'`` (``'logits:7'`` for a class).
    size, batch: side and number of images (whole numbers, size 8 to 4096, batch >= 1;
        a batch that does not fit in memory is refused with how many do).
    steps: optimization steps (1 to 100 000). lr: Adam's learning rate (> 0, at most 10).
    param: the image's parameterization (``course_utils.optim.param``; default: Fourier
        spectrum + decorrelated colour, seeded): an nn.Module whose ``forward()`` gives
        (N, 3, H, W) images; it fixes ``size`` and ``batch``.
    transforms: ``'standard'`` (pad, jitter, scale, rotate as one warp), None / ``'none'``,
        or your own callable(s) on image batches.
    seed: None, or a whole number from 0 to 2**63 - 1 that fixes the start and every
        random transform.
    snapshots: steps (0 to steps - 1) at which to keep a copy of the image.
    input_size: None (the model's input-size rule, at least its native size, as Lucent
        does) or the side of the image the network sees, 16 to 4096.
    param_edit: None or ``edit(step, param)`` run after each update, without gradients
        (``course_utils.optim.param_edits``: blur every k steps, clipping).
    progress: show a progress bar. speed_ups: run through the engine's exact, faster
        copy of the network (False: the model itself; same numbers, slower). Both
        True or False.
    """
    objective = obj.parse(objective)
    validate(model, objective)
    steps = contract.step_count(steps)
    batch = contract.whole_number(batch, "batch", minimum=1)
    lr = contract.real_number(lr, "lr", above=0, maximum=10,
                              fix="A typical learning rate is 0.05.")
    seed = contract.optional_seed(seed)
    snapshot_steps = contract.steps_within(snapshots, steps)
    input_size = checked_input_size(input_size)
    transform_spec = arguments.transform_spec(transforms)
    if param_edit is not None:
        contract.callable_value(param_edit, "param_edit", "param_edits.blur_every(4)")
    progress, speed_ups = contract.boolean(progress, "progress"), contract.boolean(speed_ups,
                                                                                   "speed_ups")
    if param is None:
        size = contract.side(size)
    else:  # the caller's parameterization fixes the batch and the size
        batch, size = arguments.param_shape(param, model)
    arguments.check_edit_fits(param_edit, param)
    if seed is not None:
        torch.manual_seed(seed)
    input_size = model.input_size_for(size, input_size, reads_logits=LOGITS in objective.layers)
    transform = _transform(transform_spec, input_size, seed)
    history, kept, interrupted = [], {}, False
    start = time.perf_counter()
    with engine.network(model, objective.layers, input_size=input_size, batch=batch,
                        speed_ups=speed_ups) as run_network:
        if param is None:  # allocated only once the engine has said the batch fits
            param = default_image(size, batch, seed=seed).to(model.device)
        optimizer = torch.optim.Adam(param.parameters(), lr=lr)
        with torch.no_grad():  # a dry run: the objective's mistakes surface before step 0
            first = param()
            objective({**run_network(resize(input_size)(first)), IMAGE: first})
        try:
            for step in progress_bar(range(steps), disable=not progress, desc=objective.name,
                             leave=False):
                optimizer.zero_grad(set_to_none=True)
                image = param()
                if step in snapshot_steps:
                    kept[step] = image.detach().float().cpu().clone()
                acts = run_network(transform(image))
                acts[IMAGE] = image
                score = objective(acts)
                _check_finite(score, step)
                (-score.sum()).backward()
                optimizer.step()
                if param_edit is not None:
                    with torch.no_grad():
                        param_edit(step, param)
                history.append(score.detach().float().cpu().numpy())
        except KeyboardInterrupt:
            interrupted = True
            print(f"Interrupted at step {len(history)}; returning the image so far.")
    seconds = time.perf_counter() - start
    with torch.no_grad():
        final = param().detach().float().cpu()
    score = evaluate(model, objective, final, input_size, speed_ups=speed_ups)
    hist = np.stack(history) if history else np.zeros((0, batch), dtype=np.float32)
    return RenderResult(final, hist, score, kept, seconds, len(history), interrupted)


def _transform(spec: TransformSpec, input_size: int, seed: Optional[int]) -> Callable:
    """The random transforms (checked by ``arguments.transform_spec``), ending at the
    side the network sees."""
    generator = torch.Generator().manual_seed(seed + 1) if seed is not None else None
    if isinstance(spec, str) and spec == "standard":
        return RandomAffine(out_size=input_size, generator=generator)
    if spec is None or (isinstance(spec, str) and spec == "none"):
        return resize(input_size)
    steps = list(spec) if isinstance(spec, (list, tuple)) else [spec]
    return compose(steps + [resize(input_size)])


def _check_finite(score: torch.Tensor, step: int) -> None:
    if not torch.isfinite(score).all():
        raise CourseError(f"The objective became NaN or infinite at step {step}. "
                          "Lower the learning rate (lr=) or add a penalty such as "
                          "- 0.05 * total_variation().")
