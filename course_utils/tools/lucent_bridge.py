"""Run Lucent's ``render_vis`` on a course model, the way the notebooks compare with it.

Lucent normalizes inputs for torchvision models unless told otherwise, so we pass the
course model's own preprocessing as the last transform (``preprocess=False``). Its
hooks are removed afterwards: ``render_vis`` leaves one on every layer at each call.
"""
from typing import Optional

import numpy as np
import torch

from .. import contract
from ..hooks import removing_new_hooks


def lucent_transforms(model, standard: bool = True) -> list:
    """Lucent's standard transforms (or none), then the model's preprocessing."""
    from lucent.optvis import transform

    return (list(transform.standard_transforms) if standard else []) + [model.preprocess]


def from_lucent(images) -> torch.Tensor:
    """Lucent's list of (N, H, W, 3) arrays → the last one as an (N, 3, H, W) tensor."""
    last = images[-1] if isinstance(images, list) else images
    return torch.from_numpy(np.ascontiguousarray(last)).float().permute(0, 3, 1, 2)


def lucent_render(model, layer: str, channel: int, size: int = 128, steps: int = 256,
                  fft: bool = True, decorrelate: bool = True, standard_transforms: bool = True,
                  seed: Optional[int] = 0, progress: bool = False) -> torch.Tensor:
    """One Lucent ``render_vis`` of ``layer:channel``; returns a (1, 3, size, size) tensor.

    model: a course model. layer, channel: as for ``channel(layer, n)``.
    size: 8 to 4096 pixels. steps: 1 to 100 000. fft, decorrelate, standard_transforms,
    progress: True or False. seed: None or a whole number >= 0.
    """
    from lucent.optvis import param, render

    contract.course_model(model).check_channel(layer, channel)
    size, steps = contract.side(size), contract.step_count(steps)
    fft, decorrelate = contract.boolean(fft, "fft"), contract.boolean(decorrelate, "decorrelate")
    standard_transforms = contract.boolean(standard_transforms, "standard_transforms")
    progress, seed = contract.boolean(progress, "progress"), contract.optional_seed(seed)
    channel = int(channel)
    if seed is not None:
        torch.manual_seed(seed)
    with removing_new_hooks(model.module):
        images = render.render_vis(
            model.module, f"{model.lucent_name(layer)}:{channel}",
            param_f=lambda: param.image(size, fft=fft, decorrelate=decorrelate),
            transforms=lucent_transforms(model, standard_transforms), preprocess=False,
            fixed_image_size=model.input_size, thresholds=(steps,), show_image=False,
            progress=progress)
    return from_lucent(images)
