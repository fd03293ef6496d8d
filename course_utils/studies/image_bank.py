"""An offline bank of natural image tiles for dataset examples.

Every natural photo that the installed packages ship (scikit-image, matplotlib,
scikit-learn) is resized to a few zoom levels and cut into overlapping square tiles at
the model's input size. Each tile remembers its photo, zoom and box, so any crop can be
mapped back to the photo it came from.

Be honest about it: about twenty photos — an astronaut, a cat, a rocket, coffee, coins,
textures, microscopy, the Moon — is a *small and narrow* bank next to the ImageNet
training set. Where the internet answers (Colab), ``build_bank(side,
source="imagenette")`` tiles a larger public set the same way (Imagenette: ten ImageNet
classes, still narrow in its own way); it is never required.
"""
import hashlib
import os
import socket
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from PIL import Image

from .. import contract
from ..config import fast_mode
from ..errors import CourseError
from ..images import bundled_photos, load_rgb

Box = Tuple[int, int, int, int]  # (top, left, bottom, right), bottom/right exclusive
CACHE_ENV = "COURSE_CACHE"

FAST_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "grace_hopper", "china")
IMAGENETTE_URL_HOST = "s3.amazonaws.com"


def cache_dir() -> str:
    """Folder for the course's caches: ``$COURSE_CACHE`` or ``~/.cache/course_utils``."""
    root = os.environ.get(CACHE_ENV) or os.path.join(os.path.expanduser("~"), ".cache",
                                                     "course_utils")
    os.makedirs(root, exist_ok=True)
    return root


@dataclass(frozen=True)
class Tile:
    """One square tile: which photo, at which zoom, and where in the resized photo."""

    photo: str
    zoom: float   # the photo's shorter side was resized to zoom × tile side
    scale: float  # resized size / original size
    box: Box      # in the resized photo's pixels

    def to_source(self, box: Box) -> Tuple[float, float, float, float]:
        """A box in this tile's pixels -> the same box in the original photo's pixels."""
        top, left = self.box[0], self.box[1]
        return tuple((v + (top if k % 2 == 0 else left)) / self.scale
                     for k, v in enumerate(box))


def _positions(length: int, side: int, stride: int) -> List[int]:
    """Evenly spread starts of tiles of ``side`` along ``length``, at most ``stride`` apart,
    the first at 0 and the last flush with the end."""
    if length <= side:
        return [0]
    count = -(-(length - side) // stride) + 1
    return [round(k * (length - side) / (count - 1)) for k in range(count)]


def _resize(photo: np.ndarray, height: int, width: int) -> np.ndarray:
    return np.asarray(Image.fromarray(photo).resize((width, height), Image.BICUBIC))


class ImageBank:
    """Tiles of ``side`` × ``side`` pixels cut from ``photos`` at several zooms.

    ``bank.images(indices)`` gives tiles as (N, 3, side, side) floats in [0, 1];
    ``bank.crop(index, box)`` cuts a box (tile pixels) out of one tile, mid-grey outside it;
    ``bank.tiles[index]`` says where a tile came from.
    """

    def __init__(self, photos: Dict[str, np.ndarray], side: int, zooms: Sequence[float],
                 overlap: float = 2 / 3, max_upscale: float = 1.75, source: str = "bundled"):
        photos, side, zooms, overlap, max_upscale = _check_bank_args(photos, side, zooms, overlap,
                                                                     max_upscale)
        self.photos, self.side, self.source = dict(photos), side, source
        self.zooms, self.overlap, self.max_upscale = tuple(zooms), overlap, max_upscale
        self.stride = max(1, int(round(side * (1 - overlap))))
        self.tiles: List[Tile] = []
        self._resized: Dict[Tuple[str, float], np.ndarray] = {}
        for name, photo in self.photos.items():
            self._cut(name, photo)

    def _cut(self, name: str, photo: np.ndarray) -> None:
        h, w = photo.shape[:2]
        for n, zoom in enumerate(sorted(self.zooms)):
            scale = zoom * self.side / min(h, w)
            if n > 0 and scale > self.max_upscale:
                continue  # too blurry; the smallest zoom is always kept
            rh, rw = max(self.side, round(h * scale)), max(self.side, round(w * scale))
            self._resized[(name, zoom)] = _resize(photo, rh, rw)
            for top in _positions(rh, self.side, self.stride):
                for left in _positions(rw, self.side, self.stride):
                    self.tiles.append(Tile(name, zoom, rh / h, (top, left, top + self.side,
                                                                left + self.side)))

    def __len__(self) -> int:
        return len(self.tiles)

    def _pixels(self, index: int) -> np.ndarray:
        tile = self.tiles[index]
        top, left, bottom, right = tile.box
        return self._resized[(tile.photo, tile.zoom)][top:bottom, left:right]

    def images(self, indices: Optional[Sequence[int]] = None) -> torch.Tensor:
        """Tiles as a float tensor (N, 3, side, side) in [0, 1] (all tiles by default)."""
        indices = range(len(self)) if indices is None else indices
        arr = np.stack([self._pixels(self._check_index(i)) for i in indices])
        return torch.from_numpy(arr).permute(0, 3, 1, 2).float() / 255.0

    def crop(self, index: int, box: Box, pad=0.5) -> torch.Tensor:
        """The part of tile ``index`` inside ``box`` (tile pixels, may stick out):
        (3, bottom - top, right - left). Outside the tile it is filled with ``pad`` (a grey
        level or an RGB triple): use the colour the network's zero padding stands for,
        ``dataset_examples.padding_colour(model)``, to show what the network saw."""
        top, left, bottom, right = contract.box(box)
        tile = self.images([index])[0]
        fill = torch.as_tensor(pad, dtype=torch.float32).flatten()
        out = fill.view(-1, 1, 1).expand(3, bottom - top, right - left).clone()
        t, l_, b, r = max(0, top), max(0, left), min(self.side, bottom), min(self.side, right)
        if b > t and r > l_:
            out[:, t - top:b - top, l_ - left:r - left] = tile[:, t:b, l_:r]
        return out

    def _check_index(self, index) -> int:
        return contract.whole_number(index, "A tile index", 0, len(self) - 1,
                                     fix=f"This bank has {len(self)} tiles.")

    def fingerprint(self) -> str:
        """A short hash of the photos' pixels and of how they were tiled."""
        h = hashlib.sha1(repr((self.side, self.zooms, self.stride, self.max_upscale,
                               len(self.tiles))).encode())
        for name in sorted(self.photos):
            h.update(name.encode())
            h.update(np.ascontiguousarray(self.photos[name]).tobytes())
        return h.hexdigest()[:16]

    def describe(self) -> str:
        counts = {}
        for tile in self.tiles:
            counts[tile.photo] = counts.get(tile.photo, 0) + 1
        return (f"{len(self.tiles)} tiles of {self.side} px from {len(self.photos)} photos "
                f"({self.source}), zooms {self.zooms}, {round(self.overlap * 100)} % "
                f"overlap; tiles per photo: " + ", ".join(f"{k} {v}" for k, v in counts.items()))

    def __repr__(self) -> str:
        return f"ImageBank({len(self.tiles)} tiles, {len(self.photos)} photos, side {self.side})"


def _check_bank_args(photos, side, zooms, overlap, max_upscale) -> tuple:
    """The bank's arguments, checked and cleaned: (photos, side, zooms, overlap,
    max_upscale)."""
    photos = contract.instance_of(photos, dict, "photos", "{'cat': load_rgb(path)}")
    if not photos:
        raise CourseError("The image bank is empty: no photos were given. Use "
                          "build_bank(side) for the bundled photos, or pass a dict of "
                          "name -> (H, W, 3) uint8 arrays.")
    for name, photo in photos.items():
        contract.image_array(photo, f"Photo {name!r}")
    side = contract.side(side, "side", minimum=8)
    contract.real_list(zooms, "zooms", "(1, 2, 3)", minimum=1)
    overlap = contract.real_number(overlap, "overlap", 0.0, below=1, fix="0.5 = half a tile.")
    max_upscale = contract.real_number(max_upscale, "max_upscale", minimum=1)
    return photos, side, zooms, overlap, max_upscale


def default_zooms() -> Tuple[float, ...]:
    """Zoom levels: (1, 2, 3) normally, (1, 2) in fast mode."""
    return (1, 2) if fast_mode() else (1, 2, 3)


def default_photo_names() -> List[str]:
    """Bundled photos used by default: all of them, or six in fast mode."""
    names = list(bundled_photos())
    return [n for n in FAST_PHOTOS if n in names] if fast_mode() else names


SOURCES = ("bundled", "imagenette")


def build_bank(side: int, photos: Optional[Sequence[str]] = None,
               zooms: Optional[Sequence[float]] = None, overlap: Optional[float] = None,
               max_upscale: float = 1.75, source: str = "bundled",
               limit: int = 500) -> ImageBank:
    """Photos tiled at ``side`` px (use ``model.input_size``).

    source: ``"bundled"`` (default, offline): the photos the installed packages ship.
        ``"imagenette"``: ``limit`` Imagenette photos instead, where the internet answers
        (Colab) or they were downloaded before (see ``imagenette_photos``).
    photos: names from ``bundled_photos()`` (default: all; six in fast mode).
    zooms: the photo's shorter side in tiles (default (1, 2, 3); (1, 2) in fast mode;
        (1,) for Imagenette, whose photos are small and many).
    overlap: how much neighbouring tiles share (default 2/3; 1/2 in fast mode and for
        Imagenette).
    max_upscale: skip a zoom that would enlarge a photo more than this (too blurry).
    """
    contract.one_of(source, "source", SOURCES,
                    fix="'bundled' works offline; 'imagenette' needs the internet once.")
    if source == "imagenette":
        if photos is not None:
            raise CourseError("photos names bundled photos; leave it out with "
                              "source='imagenette' and set limit instead.")
        return ImageBank(imagenette_photos(limit), side, zooms or (1,),
                         0.5 if overlap is None else overlap, max_upscale, source=source)
    available = bundled_photos()
    names = default_photo_names() if photos is None else \
        contract.non_empty_list(photos, "photos", "['chelsea', 'coffee'] (or leave it out)")
    for name in names:
        contract.one_of(name, "Each photo", available,
                        fix="" if available else "None is installed: install scikit-image.")
    overlap = overlap if overlap is not None else (0.5 if fast_mode() else 2 / 3)
    return ImageBank({n: load_rgb(available[n]) for n in names}, side,
                     zooms or default_zooms(), overlap, max_upscale, source="bundled")


def internet_answers(host: str = IMAGENETTE_URL_HOST, timeout: float = 3.0) -> bool:
    """True when a connection to ``host`` opens within ``timeout`` seconds."""
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def imagenette_photos(limit: int = 500, root: Optional[str] = None, seed: int = 0,
                      size: str = "320px") -> Dict[str, np.ndarray]:
    """A larger, optional set: ``limit`` photos from Imagenette's validation split
    (downloaded once, about 330 MB for ``size='320px'``, into ``root``, by default the
    course cache). Only where the internet answers or the files are already there.

    >>> bank = build_bank(model.input_size, source="imagenette", limit=500)
    """
    limit = contract.whole_number(limit, "limit", 1, fix="It is a number of photos.")
    try:  # optional path: import only when asked
        from torchvision.datasets import Imagenette
    except ImportError:
        raise CourseError("This torchvision has no Imagenette loader (it needs 0.17 or "
                          "newer): pip install -U torchvision, or use the offline bank.") from None

    root = root or os.path.join(cache_dir(), "imagenette")
    try:
        data = Imagenette(root, split="val", size=size, download=False)
    except RuntimeError:  # not there yet
        if not internet_answers():
            raise CourseError(
                f"Imagenette is not in {root} and the internet does not answer, so the "
                "larger image set cannot be loaded. Use the offline bank "
                "(build_bank(model.input_size)), or run where the internet works (Colab) "
                "once to download it.") from None
        data = Imagenette(root, split="val", size=size, download=True)
    rng = np.random.default_rng(seed)
    picks = sorted(rng.choice(len(data), size=min(limit, len(data)), replace=False))
    photos = {}
    for i in picks:
        image, label = data[int(i)]
        photos[f"imagenette_{data.classes[label][0].replace(' ', '_')}_{i}"] = \
            np.asarray(image.convert("RGB"), dtype=np.uint8)
    return photos
