"""Score images without optimizing them: an objective's value, every channel's mean,
and the gradient an optimizer would follow. All three read the network the way
``render`` does (same engine, same input-size rule), with no random transforms."""
from typing import Optional

import numpy as np
import torch

from .. import contract, engine
from ..hooks import IMAGE, LOGITS
from . import objectives as obj
from .transforms import resize


def _scores(model, objective: obj.Objective, images: torch.Tensor, input_size: Optional[int]
            ) -> torch.Tensor:
    """The objective on ``images`` (with gradients if they are enabled)."""
    size = model.input_size_for(images.shape[-1], input_size,
                                reads_logits=LOGITS in objective.layers)
    images = images.to(model.device)
    with engine.network(model, objective, input_size=size, batch=images.shape[0]) as run_network:
        acts = run_network(resize(size)(images))
        acts[IMAGE] = images
        return objective(acts)


@torch.no_grad()
def evaluate(model, objective, images: torch.Tensor, input_size: Optional[int] = None
             ) -> np.ndarray:
    """Score of each [0, 1] image (N, 3, H, W) under ``objective``: shape (N,).

    model: a course model. objective: an ``Objective`` or a string such as ``'mid:3'``.
    images: a float tensor (N, 3, H, W), N >= 1, values in [0, 1].
    input_size: None (the model's input-size rule) or the side the network sees, 16 to
    4096.
    """
    objective = contract.objective_for(model, obj.parse(objective))
    images = contract.image_batch(images)
    input_size = contract.optional_side(input_size)
    return _scores(model, objective, images.float(), input_size).float().cpu().numpy()


def channel_activations(model, layer: str, images: torch.Tensor,
                        input_size: Optional[int] = None) -> np.ndarray:
    """Mean activation of every channel of ``layer`` on every image: (images, channels).

    One forward pass gives what ``evaluate`` with a channel objective gives per channel.
    Averaging over positions ignores *where* a pattern appears.
    layer: a stage or layer name; images, input_size: as for ``evaluate``.
    """
    name = contract.course_model(model).resolve(layer)
    means = obj.Objective(lambda a: a[name].mean((-2, -1)), [name], f"channels({name})")
    return evaluate(model, means, images, input_size)


def input_gradient(model, objective, images: torch.Tensor, input_size: Optional[int] = None
                   ) -> torch.Tensor:
    """Gradient of ``objective`` (summed over the batch) with respect to [0, 1] images:
    a float tensor of the images' shape. Arguments as for ``evaluate``."""
    objective = contract.objective_for(model, obj.parse(objective))
    images = contract.image_batch(images)
    input_size = contract.optional_side(input_size)
    x = images.detach().float().to(model.device).requires_grad_(True)
    with torch.enable_grad():
        score = _scores(model, objective, x, input_size).sum()
        (grad,) = torch.autograd.grad(score, x)
    return grad.cpu()
