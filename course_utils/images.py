"""Real sample photos that ship with installed packages (no download needed)."""
import os
from typing import Dict, List

import numpy as np
import torch
import torch.nn.functional as F

from .errors import CourseError

PHOTOS = ("chelsea", "coffee", "astronaut", "rocket", "grace_hopper")


def _load_array(name: str) -> np.ndarray:
    if name == "grace_hopper":
        import matplotlib
        import matplotlib.image

        path = os.path.join(matplotlib.get_data_path(), "sample_data", "grace_hopper.jpg")
        return matplotlib.image.imread(path)
    import skimage.data

    return getattr(skimage.data, name)()


def photo(name: str, size: int = 224) -> torch.Tensor:
    """A sample photo as a (3, size, size) float tensor in [0, 1], centre-cropped."""
    if name not in PHOTOS:
        raise CourseError(f"Unknown photo {name!r}. Available: {', '.join(PHOTOS)}.")
    arr = _load_array(name)
    if arr.ndim == 2:
        arr = np.stack([arr] * 3, -1)
    x = torch.from_numpy(np.array(arr[..., :3], copy=True)).float()
    if arr.dtype == np.uint8:
        x = x / 255.0
    x = x.permute(2, 0, 1)
    h, w = x.shape[1:]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    x = x[:, top:top + side, left:left + side]
    x = F.interpolate(x[None], size=(size, size), mode="bilinear", align_corners=False,
                      antialias=True)[0]
    return x.clamp(0, 1)


def photos(names: List[str] = PHOTOS, size: int = 224) -> Dict[str, torch.Tensor]:
    """Several sample photos by name."""
    return {n: photo(n, size) for n in names}


def check_images(images: torch.Tensor) -> None:
    """Raise a clear ``CourseError`` unless ``images`` is float (N, 3, H, W) in [0, 1]."""
    if not isinstance(images, torch.Tensor):
        raise CourseError(f"Expected a torch.Tensor of images, got {type(images).__name__}.")
    if images.dim() != 4 or images.shape[1] != 3:
        raise CourseError(f"Expected images of shape (N, 3, H, W), got {tuple(images.shape)}."
                          " Add a batch dimension with images[None] or move channels "
                          "first with .permute(0, 3, 1, 2).")
    if not images.is_floating_point():
        raise CourseError(f"Expected float images in [0, 1], got dtype {images.dtype}. "
                          "Convert with images.float() / 255.")
    if not torch.isfinite(images).all():
        raise CourseError("The images contain NaN or infinite values.")
    lo, hi = float(images.min()), float(images.max())
    if lo < -1e-3 or hi > 1 + 1e-3:
        raise CourseError(f"Expected pixel values in [0, 1], got range [{lo:.3g}, {hi:.3g}]. "
                          "Pass raw RGB in [0, 1]: the model applies its own normalization.")


def to_numpy(images: torch.Tensor) -> np.ndarray:
    """(N, 3, H, W) or (3, H, W) tensor → (N, H, W, 3) or (H, W, 3) float array for plotting."""
    x = images.detach().float().cpu().clamp(0, 1)
    return x.movedim(-3, -1).numpy()
