"""The offline image bank: which photos ship, how they are tiled, and bad input."""
import os
import socket

import numpy as np
import pytest
import torch

from course_utils.studies import image_bank as ib
from course_utils.errors import CourseError


@pytest.fixture
def offline(monkeypatch):
    """Any attempt to open a network connection fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("the image bank tried to use the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def coded_photo(h, w):
    """A photo whose red channel encodes the row and green the column (0..255)."""
    rows = np.linspace(0, 255, h)[:, None].repeat(w, 1)
    cols = np.linspace(0, 255, w)[None, :].repeat(h, 0)
    return np.stack([rows, cols, np.full((h, w), 128.0)], -1).round().astype(np.uint8)


def test_every_listed_photo_is_on_disk_and_loads_offline(offline):
    photos = ib.bundled_photos()
    assert len(photos) >= 15, "scikit-image alone ships more than fifteen natural photos"
    for name, path in photos.items():
        assert os.path.isfile(path), name
        arr = ib.load_rgb(path)
        assert arr.dtype == np.uint8 and arr.ndim == 3 and arr.shape[2] == 3, name
        assert min(arr.shape[:2]) >= 150, f"{name} is too small to tile"


def test_download_on_demand_images_are_not_listed():
    import skimage

    data = os.path.join(os.path.dirname(skimage.__file__), "data")
    for name, path in ib.bundled_photos().items():
        if path.startswith(data):
            assert os.path.dirname(path) == data  # shipped inside the wheel, not a cache
    for downloaded in ("eagle", "lily", "brain", "kidney", "skin", "cells3d"):
        assert downloaded not in ib.bundled_photos()


def test_grey_photos_become_three_equal_channels():
    arr = ib.load_rgb(ib.bundled_photos()["camera"])
    assert np.array_equal(arr[..., 0], arr[..., 1]) and np.array_equal(arr[..., 1], arr[..., 2])
    assert arr.std() > 10  # a real photo, not a flat image


@pytest.mark.parametrize("h,w", [(300, 400), (100, 100), (257, 90)])
def test_tiles_cover_each_zoom_without_gaps(h, w):
    side, overlap = 64, 0.5
    bank = ib.ImageBank({"p": coded_photo(h, w)}, side, zooms=(1, 2, 3), overlap=overlap,
                        max_upscale=10)
    for zoom in (1, 2, 3):
        tiles = [t for t in bank.tiles if t.zoom == zoom]
        rh, rw = bank._resized[("p", zoom)].shape[:2]
        assert min(rh, rw) == max(side, round(zoom * side))
        for axis, length in ((0, rh), (1, rw)):
            starts = sorted({t.box[axis] for t in tiles})
            assert starts[0] == 0 and starts[-1] + side == length
            assert all(0 < b - a <= side * (1 - overlap) + 1 for a, b in zip(starts, starts[1:]))
        for t in tiles:
            assert t.box[2] - t.box[0] == side and t.box[3] - t.box[1] == side


def test_blurry_zooms_are_skipped_but_the_smallest_is_kept():
    bank = ib.ImageBank({"small": coded_photo(80, 120)}, 64, zooms=(1, 2, 3), max_upscale=1.5)
    assert {t.zoom for t in bank.tiles} == {1}  # 2× and 3× would enlarge it 1.6× and 2.4×


def test_tiles_map_back_to_their_source_photo():
    photo = coded_photo(300, 400)
    bank = ib.ImageBank({"p": photo}, 100, zooms=(1, 3), overlap=0.5)
    images = bank.images()
    for k in (0, len(bank) // 2, len(bank) - 1):
        tile = bank.tiles[k]
        box = (30, 40, 50, 70)  # a box inside the tile
        top, left, bottom, right = tile.to_source(box)
        cy, cx = (top + bottom) / 2, (left + right) / 2
        # the colour code at the box centre says where in the photo it came from
        y = (box[0] + box[2]) // 2
        x = (box[1] + box[3]) // 2
        red, green = images[k, 0, y, x] * 255, images[k, 1, y, x] * 255
        assert abs(red / 255 * 299 - cy) < 4 and abs(green / 255 * 399 - cx) < 4


def test_crop_fills_outside_the_tile_with_the_padding_colour():
    bank = ib.ImageBank({"p": coded_photo(100, 100)}, 50, zooms=(1,))
    tile = bank.images([0])[0]
    crop = bank.crop(0, (-10, 20, 30, 60), pad=(0.1, 0.2, 0.3))
    assert crop.shape == (3, 40, 40)
    assert torch.equal(crop[:, 10:, :30], tile[:, 0:30, 20:50])
    fill = torch.tensor([0.1, 0.2, 0.3]).view(3, 1, 1)
    assert torch.allclose(crop[:, :10, :], fill.expand(3, 10, 40))  # above the tile
    assert torch.allclose(crop[:, :, 30:], fill.expand(3, 40, 10))  # right of the tile


def test_fingerprint_follows_the_pixels():
    photo = coded_photo(120, 160)
    a = ib.ImageBank({"p": photo}, 64, zooms=(1, 2))
    b = ib.ImageBank({"p": photo.copy()}, 64, zooms=(1, 2))
    changed = photo.copy()
    changed[5, 5, 0] ^= 1
    c = ib.ImageBank({"p": changed}, 64, zooms=(1, 2))
    assert a.fingerprint() == b.fingerprint() != c.fingerprint()
    assert a.fingerprint() != ib.ImageBank({"p": photo}, 64, zooms=(1,)).fingerprint()


def test_fast_mode_bank_is_smaller(monkeypatch, offline):
    monkeypatch.setenv("COURSE_FAST", "1")
    fast = ib.build_bank(224)
    monkeypatch.setenv("COURSE_FAST", "0")
    full = ib.build_bank(224)
    assert set(fast.photos) <= set(ib.FAST_PHOTOS) and len(fast.photos) >= 4
    assert len(full.photos) == len(ib.bundled_photos())
    assert 50 <= len(fast) < len(full) / 5
    assert len(full) >= 1000, "the full bank should offer about a thousand tiles or more"


def test_bad_input_is_explained():
    with pytest.raises(CourseError, match="empty"):
        ib.ImageBank({}, 64, zooms=(1,))
    with pytest.raises(CourseError, match="empty"):
        ib.build_bank(224, photos=[])
    with pytest.raises(CourseError, match="must be one of 'astronaut'"):
        ib.build_bank(224, photos=["astronaut", "eagle"])
    with pytest.raises(CourseError, match="uint8"):
        ib.ImageBank({"p": np.zeros((64, 64, 3), dtype=np.float32)}, 32, zooms=(1,))
    with pytest.raises(CourseError, match="side"):
        ib.ImageBank({"p": coded_photo(64, 64)}, 0, zooms=(1,))
    with pytest.raises(CourseError, match="zooms"):
        ib.ImageBank({"p": coded_photo(64, 64)}, 32, zooms=(0.5,))
    with pytest.raises(CourseError, match="overlap"):
        ib.ImageBank({"p": coded_photo(64, 64)}, 32, zooms=(1,), overlap=1.0)
    bank = ib.ImageBank({"p": coded_photo(64, 64)}, 32, zooms=(1,))
    with pytest.raises(CourseError, match="A tile index must be a whole number from 0 to 0"):
        bank.images([len(bank)])
    with pytest.raises(CourseError, match="empty"):
        bank.crop(0, (10, 10, 10, 20))


def test_imagenette_without_internet_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setattr(ib, "internet_answers", lambda *a, **k: False)
    with pytest.raises(CourseError, match="internet does not answer"):
        ib.imagenette_photos(10, root=str(tmp_path))
    with pytest.raises(CourseError, match="limit"):
        ib.imagenette_photos(0, root=str(tmp_path))
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path))
    with pytest.raises(CourseError, match="internet does not answer"):
        ib.build_bank(224, source="imagenette", limit=10)
    with pytest.raises(CourseError, match="source must be one of"):
        ib.build_bank(224, source="imagenet")


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path / "here"))
    assert ib.cache_dir() == str(tmp_path / "here") and os.path.isdir(tmp_path / "here")
