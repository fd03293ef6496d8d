"""Real photos that ship inside installed packages (scikit-image, matplotlib,
scikit-learn): nothing is downloaded. About twenty photos, so a small and narrow set."""
import importlib.util
import os
from typing import Dict, List, Optional

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from . import contract
from .errors import CourseError, closest

PHOTOS = ("chelsea", "coffee", "astronaut", "rocket", "grace_hopper")  # obvious subjects

# name -> (package, file inside the package's data folder). Only files that ship inside
# the wheels: scikit-image downloads some of its other images on demand, so those are
# left out. Synthetic images (charts, logos, phantoms, checkerboards) are left out too.
_SKIMAGE = {
    "astronaut": "astronaut.png", "brick": "brick.png", "camera": "camera.png",
    "cell": "cell.png", "chelsea": "chelsea.png", "clock": "clock_motion.png",
    "coffee": "coffee.png", "coins": "coins.png", "grass": "grass.png",
    "gravel": "gravel.png", "hubble_deep_field": "hubble_deep_field.jpg",
    "immunohistochemistry": "ihc.png", "moon": "moon.png",
    "motorcycle": "motorcycle_left.png", "page": "page.png", "retina": "retina.jpg",
    "rocket": "rocket.jpg", "text": "text.png",
}


def _package_dir(package: str) -> Optional[str]:
    """Folder of an installed package, found without importing it (imports are slow)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)[0]


def bundled_photos() -> Dict[str, str]:
    """Natural photos that are on disk right now: name -> file path (no download)."""
    found = {}
    skimage_dir = _package_dir("skimage")
    if skimage_dir:
        for name, file in _SKIMAGE.items():
            found[name] = os.path.join(skimage_dir, "data", file)
    matplotlib_dir = _package_dir("matplotlib")
    if matplotlib_dir:
        found["grace_hopper"] = os.path.join(matplotlib_dir, "mpl-data", "sample_data",
                                             "grace_hopper.jpg")
    sklearn_dir = _package_dir("sklearn")
    if sklearn_dir:
        for name in ("china", "flower"):
            found[name] = os.path.join(sklearn_dir, "datasets", "images", f"{name}.jpg")
    return {name: path for name, path in found.items() if os.path.isfile(path)}


def load_rgb(path: str) -> np.ndarray:
    """An image file as a (H, W, 3) uint8 array; grey images become 3 equal channels."""
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8).copy()


def photo(name: str, size: int = 224) -> torch.Tensor:
    """A bundled photo as a (3, size, size) float tensor in [0, 1], centre-cropped.

    name: one of ``PHOTOS`` (the five with an obvious subject) or any other name in
    ``bundled_photos()``. size: the side in pixels, a whole number from 8 to 4096.
    """
    available = bundled_photos()
    if not isinstance(name, str) or name not in available:
        hint = closest(name, list(available)) if isinstance(name, str) and name.strip() else []
        raise CourseError(f"Unknown photo {name!r}"
                          + (f" (did you mean {hint[0]!r}?)" if hint else "")
                          + f". Available: {', '.join(PHOTOS)}; and also "
                          f"{', '.join(n for n in available if n not in PHOTOS)}.")
    size = contract.whole_number(size, "size", minimum=8, maximum=4096)
    x = torch.from_numpy(load_rgb(available[name])).float().div(255).permute(2, 0, 1)
    h, w = x.shape[1:]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    x = x[:, top:top + side, left:left + side]
    x = F.interpolate(x[None], size=(size, size), mode="bilinear", align_corners=False,
                      antialias=True)[0]
    return x.clamp(0, 1)


def photos(names: List[str] = PHOTOS, size: int = 224) -> Dict[str, torch.Tensor]:
    """Several sample photos by name: name -> (3, size, size) tensor.

    names: a non-empty list of names as for ``photo`` (a repeated name appears once).
    size: as for ``photo``.
    """
    names = contract.non_empty_list(names, "names", "['coffee', 'chelsea']")
    size = contract.whole_number(size, "size", minimum=8, maximum=4096)
    return {n: photo(n, size) for n in names}


def check_images(images: torch.Tensor) -> None:
    """Raise a clear ``CourseError`` unless ``images`` is a float tensor (N, 3, H, W) with
    N, H, W >= 1, finite values in [0, 1]."""
    if not isinstance(images, torch.Tensor):
        hint = (" Convert with torch.from_numpy(array).permute(0, 3, 1, 2) for (N, H, W, 3) "
                "arrays." if isinstance(images, np.ndarray) else "")
        raise CourseError(f"Expected a torch.Tensor of images, got {type(images).__name__}."
                          + hint)
    if images.dim() != 4 or images.shape[1] != 3:
        raise CourseError(f"Expected images of shape (N, 3, H, W), got {tuple(images.shape)}."
                          " Add a batch dimension with images[None] or move channels "
                          "first with .permute(0, 3, 1, 2).")
    if images.numel() == 0:
        raise CourseError(f"The images are empty: shape {tuple(images.shape)}. A batch "
                          "needs at least one image of at least 1 x 1 pixels.")
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
