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
    contract.one_of(name, "The photo", available,
                    fix=f"The five with an obvious subject: {', '.join(PHOTOS)}.")
    size = contract.side(size)
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
    size = contract.side(size)
    return {n: photo(n, size) for n in names}


def to_numpy(images: torch.Tensor) -> np.ndarray:
    """(N, 3, H, W) or (3, H, W) tensor → (N, H, W, 3) or (H, W, 3) float array for plotting."""
    x = images.detach().float().cpu().clamp(0, 1)
    return x.movedim(-3, -1).numpy()
