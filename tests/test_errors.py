"""Error messages that tell a learner what to do next: the nearest valid names."""
from course_utils.errors import CourseError, closest, unknown_layer_error

LAYERS = ["conv1", "relu1", "conv2", "relu2", "fc"]


def test_closest_finds_near_misses_and_falls_back_to_a_shared_prefix():
    assert sorted(closest("conv", LAYERS)) == ["conv1", "conv2"]
    assert sorted(closest("relu3", LAYERS)) == ["relu1", "relu2"]
    assert closest("fcx_layer", LAYERS) == []  # nothing alike
    assert closest("convolution", ["conv_stem", "head"]) == ["conv_stem"]  # the prefix


def test_an_unknown_layer_is_a_course_error_with_the_nearest_names_and_the_list():
    error = unknown_layer_error("conv", LAYERS)
    assert isinstance(error, CourseError) and isinstance(error, ValueError)
    message = str(error)
    assert "Unknown layer 'conv'." in message and "'conv1'" in message and "'conv2'" in message and "fc" not in message
    assert "model.layers" in message
