"""The watermark shortcut of ImageNet models (Li et al., CVPR 2023, "ImageNet-W").

Many ImageNet photos of cartons carry translucent text watermarks, so networks learned
"watermark → carton". ``add_watermark`` draws the authors' watermark (the ``imagenet-w``
package's ``AddWatermark``: translucent white Chinese text in their font, sized to the
image) onto a batch; ``watermark_effect`` measures how the carton probability and rank
move on each photo.

>>> marked = add_watermark(photos)                    # (N, 3, H, W) in [0, 1]
>>> for row in watermark_effect(model, photos): print(row)
"""
from typing import Dict, List, NamedTuple, Optional

import numpy as np
import torch
import torch.nn.functional as F

from .. import contract
from ..errors import CourseError

TARGET = "carton"
_MARKERS: Dict[int, object] = {}  # one AddWatermark (font loaded once) per image side


def _marker(side: int):
    """The package's watermark transform for images of side ``side`` (cached)."""
    if side not in _MARKERS:
        try:
            from imagenet_w import AddWatermark
        except ImportError:
            raise CourseError("The watermark needs the 'imagenet-w' package (it ships the "
                              "transform and its font). Install it with: "
                              "pip install imagenet-w") from None
        _MARKERS[side] = AddWatermark(image_size=side)
    return _MARKERS[side]


def to_8bit(images: torch.Tensor) -> torch.Tensor:
    """Round [0, 1] images to 256 grey levels, as saving them as a picture would."""
    return (images.clamp(0, 1) * 255).round() / 255


def add_watermark(images: torch.Tensor, text: Optional[str] = None) -> torch.Tensor:
    """The ImageNet-W watermark drawn onto each [0, 1] image of an (N, 3, H, W) batch.

    The text size follows the image side (36 px text on a 224 px image, as in the
    paper); ``text`` replaces the paper's Chinese text (a control: is it *this*
    watermark, or any text?). The result is an 8-bit picture again, returned as floats
    in [0, 1] on the images' device.
    """
    images = contract.image_batch(images, min_side=32)
    contract.optional_text(text, "text", "'Sample' (or None for the paper's watermark)")
    side = min(images.shape[-2:])
    from PIL import Image

    marker = _marker(int(side))
    pixels = (images.detach().float().cpu().clamp(0, 1) * 255).round().to(torch.uint8)
    marked = [torch.from_numpy(np.array(marker(Image.fromarray(p.permute(1, 2, 0).numpy()),
                                               text=text)))
              for p in pixels]  # the package draws on PIL pictures
    out = torch.stack(marked).permute(0, 3, 1, 2).float() / 255
    return out.to(device=images.device, dtype=images.dtype)


class WatermarkEffect(NamedTuple):
    """One photo: the target class's probability and rank (1 = top) without and with the
    watermark, and the top-1 label in both cases."""

    clean_prob: float
    marked_prob: float
    clean_rank: int
    marked_rank: int
    clean_top1: str
    marked_top1: str

    @property
    def prob_ratio(self) -> float:
        """How many times more probable the target class became."""
        return self.marked_prob / max(self.clean_prob, 1e-30)

    @property
    def top1_changed(self) -> bool:
        return self.clean_top1 != self.marked_top1


@torch.no_grad()
def _probabilities(model, images: torch.Tensor) -> torch.Tensor:
    return model(images).float().softmax(-1).cpu()


def watermark_effect(model, images: torch.Tensor, target: str = TARGET,
                     text: Optional[str] = None) -> List[WatermarkEffect]:
    """For each photo: the ``target`` class's probability and rank, clean vs watermarked
    (with the paper's text, or ``text``).

    The photos are first resized to the model's input size (the watermark is drawn at
    the size the network sees), and the clean ones are rounded to 8 bits like the
    watermarked ones, so the watermark is the only difference.
    """
    images = contract.image_batch(images)
    contract.optional_text(text, "text", "'Sample' (or None for the paper's watermark)")
    index = contract.course_model(model).class_index(target)
    size = int(model.input_size)
    if images.shape[-2:] != (size, size):
        images = F.interpolate(images.float(), size=(size, size), mode="bilinear",
                               align_corners=False, antialias=True).clamp(0, 1)
    clean = to_8bit(images.float())
    marked = add_watermark(clean, text=text)
    rows = []
    for p_clean, p_marked in zip(_probabilities(model, clean), _probabilities(model, marked)):
        rows.append(WatermarkEffect(
            clean_prob=float(p_clean[index]), marked_prob=float(p_marked[index]),
            clean_rank=int((p_clean > p_clean[index]).sum()) + 1,
            marked_rank=int((p_marked > p_marked[index]).sum()) + 1,
            clean_top1=model.labels[int(p_clean.argmax())],
            marked_top1=model.labels[int(p_marked.argmax())]))
    return rows
