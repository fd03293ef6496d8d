"""Sample photos load offline as [0, 1] tensors; unknown names get the available ones."""
import pytest
import torch

from course_utils.errors import CourseError
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
