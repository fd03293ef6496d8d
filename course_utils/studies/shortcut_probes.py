"""Numbers that say whether a scan model looks at the tag's corner.

- ``tag_concentration``: the corner's share of an image's contrast energy divided by
  the corner's share of the area (1 = spread evenly, 16 = all in the corner). Use it
  on class-logit visualizations or on gradients. For visualizations, the difference
  of the two classes' pictures rendered from the same start (same seed) is the
  steadier input: it keeps only what the model needs to tell the classes apart.
- ``gradient_concentration``: the same for the input gradient of the model's decision
  on real scans (which pixels would change the decision most).
- ``decision_weight_concentration``: the same for the classifier's weights.
- ``corner_channels``: late-layer channels the classifier weighs most at the corner.
- ``strongest_positions``: where in the scans a channel fires most: its dataset
  examples, located (``dataset_examples`` crops such patches from a photo bank).
"""
from typing import List, NamedTuple, Union

import torch

from .. import contract
from ..errors import CourseError
from ..hooks import capture
from ..optim import input_gradient, logit
from .shortcut_data import IMAGE_SIZE, REGION, tag_region
from .shortcut_model import ScanNet


def _check_batch(x, name: str) -> torch.Tensor:
    """Square images or gradients (N, 3, H, W) or one (3, H, W), large enough to hold the
    tag's corner, as a detached float batch."""
    return contract.image_batch(x, f"{name}'s input", unit_range=False, convert=True,
                                square=True, min_side=REGION // 2)


def energy_map(x: torch.Tensor) -> torch.Tensor:
    """Per-pixel contrast energy (N, H, W): squared deviation from each image's own mean
    colour, summed over colour channels. Works for images, differences and gradients."""
    x = x.detach().float().cpu()
    x = x[None] if x.dim() == 3 else x
    return (x - x.mean((-2, -1), keepdim=True)).pow(2).sum(1)


def tag_concentration(x: torch.Tensor, pooled: bool = False
                      ) -> Union[torch.Tensor, float]:
    """How concentrated in the tag's corner the energy of ``x`` is: the corner's share of
    the energy divided by its share of the area.

    Per image, shape (N,), or with ``pooled=True`` one number for the whole batch (the
    energy maps are added first, so strong images count more). 1 means no
    concentration; the largest possible value is 16 (all energy in the 16 × 16 corner
    of a 64 px scan); nan where there is no energy at all (a flat image).
    """
    x, pooled = _check_batch(x, "tag_concentration"), contract.boolean(pooled, "pooled")
    energy = energy_map(x)
    scale = x.detach().float().cpu().pow(2).flatten(1).sum(1)  # flat: no energy relative to it
    if pooled:
        scale = scale.sum(0, keepdim=True)
        energy = energy.sum(0, keepdim=True)
    side = energy.shape[-1]
    rows, cols = tag_region(side)
    corner = energy[:, rows, cols].sum((-2, -1))
    total = energy.sum((-2, -1))
    area_share = (rows.stop * cols.stop) / (side * side)
    share = torch.where(total > 1e-10 * scale, corner / total.clamp_min(1e-30),
                        torch.full_like(total, float("nan")))
    ratio = share / area_share
    return float(ratio[0]) if pooled else ratio


def gradient_concentration(model, images: torch.Tensor) -> float:
    """``tag_concentration`` (pooled) of the input gradient of the model's decision,
    logit(0) - logit(1), on ``images``: > 1 when the pixels that move the decision most
    sit in the tag's corner."""
    contract.course_model(model)
    images = contract.image_batch(images, square=True, min_side=REGION // 2)
    if len(model.labels) != 2:
        raise CourseError(f"gradient_concentration compares two classes; the model has "
                          f"{len(model.labels)}.")
    return tag_concentration(input_gradient(model, logit(0) - logit(1), images), pooled=True)


def _decision_weights(model, what: str) -> torch.Tensor:
    """|w(class 0) - w(class 1)| of the classifier: (channels, 8, 8), one weight per late
    channel and position of the map it reads."""
    net = contract.instance_of(getattr(model, "module", model), ScanNet, f"{what}'s model",
                               "as_course_model(trained ScanNet)")
    side = IMAGE_SIZE // 8  # the classifier reads an 8 × 8 map
    weights = net.fc.weight.detach().float().cpu().view(2, -1, side, side)
    return (weights[0] - weights[1]).abs()


def _corner_cells(side: int) -> int:
    return max(1, REGION * side // IMAGE_SIZE)


def decision_weight_concentration(model) -> float:
    """How concentrated at the tag's corner the classifier's decision weights are: the
    corner cells' share of all |w0 - w1| over their share of the cells (1 = even)."""
    weights = _decision_weights(model, "decision_weight_concentration")
    side, cells = weights.shape[-1], _corner_cells(weights.shape[-1])
    share = float(weights[:, :cells, :cells].sum() / weights.sum())
    return share / (cells * cells / (side * side))


def corner_channels(model, count: int = 4) -> List[int]:
    """The ``count`` channels of the late layer whose activations at the tag's corner the
    classifier weighs most when it decides between the two classes (largest first)."""
    weights = _decision_weights(model, "corner_channels")
    channels = weights.shape[0]
    count = contract.whole_number(count, "count", 1, channels,
                                  fix=f"The late layer has {channels} channels.")
    cells = _corner_cells(weights.shape[-1])
    at_corner = weights[:, :cells, :cells].sum((-2, -1))
    return at_corner.argsort(descending=True)[:count].tolist()


class PeakPositions(NamedTuple):
    """Where a channel fired most: image index, pixel row and column of the position's
    centre, activation; each (k,), strongest first."""

    index: torch.Tensor
    y: torch.Tensor
    x: torch.Tensor
    activation: torch.Tensor

    def corner_share(self) -> float:
        """Share of these examples that lie in the tag's corner region."""
        rows, cols = tag_region(IMAGE_SIZE)
        inside = (self.y < rows.stop) & (self.x < cols.stop)
        return float(inside.float().mean())


@torch.no_grad()
def strongest_positions(model, channel: int, images: torch.Tensor, k: int = 20,
                        layer: str = "late") -> PeakPositions:
    """The ``k`` images (one position each: where the channel peaks) on which ``channel``
    of ``layer`` fires most: dataset examples, with where they are in the scan."""

    name = contract.course_model(model).resolve(layer)
    model.check_channel(name, channel)
    images = contract.image_batch(images)
    k = contract.whole_number(k, "k", 1, images.shape[0], fix="It counts images of the batch.")
    with capture(model.module, [name]) as acts:
        model.module(model.preprocess(images.to(model.device)))
    maps = acts[name][:, channel].float().cpu()  # (N, h, w)
    h, w = maps.shape[-2:]
    peak, where = maps.flatten(1).max(1)
    best = peak.argsort(descending=True)[:k]
    stride_y, stride_x = images.shape[-2] / h, images.shape[-1] / w
    rows, cols = where[best] // w, where[best] % w
    return PeakPositions(best, ((rows + 0.5) * stride_y).long(),
                         ((cols + 0.5) * stride_x).long(), peak[best])
