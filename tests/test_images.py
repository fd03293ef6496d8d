"""Sample photos load offline as [0, 1] tensors; bad images are refused clearly."""
import pytest
import torch

from course_utils.errors import CourseError
from course_utils.contract import image_batch as check_images
from course_utils.images import PHOTOS, photo


@pytest.mark.parametrize("name", PHOTOS)
def test_photos_are_square_rgb_in_unit_range(name):
    x = photo(name, 96)
    assert x.shape == (3, 96, 96) and x.dtype == torch.float32
    assert 0 <= float(x.min()) and float(x.max()) <= 1
    assert float(x.std()) > 0.05  # a real picture, not a blank


def test_unknown_photo_lists_the_available_ones():
    with pytest.raises(CourseError, match="chelsea"):
        photo("cat")


@pytest.mark.parametrize("bad, words", [
    (torch.rand(3, 8, 8), "shape"),
    (torch.rand(1, 8, 8, 3), "permute"),
    ((torch.rand(1, 3, 8, 8) * 255).to(torch.uint8), "float"),
    (torch.rand(1, 3, 8, 8) * 255, "range"),
    (torch.full((1, 3, 8, 8), float("nan")), "NaN"),
])
def test_check_images_explains_the_problem(bad, words):
    with pytest.raises(CourseError, match=words):
        check_images(bad)
