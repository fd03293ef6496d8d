"""One checker per exercise: ``check_x(your_function)`` says whether it is right, and in a
learner's words what is wrong if it is not; it returns the function the notebook should
use next (yours, or the reference while the exercise is not done yet)."""
from .judging import ExerciseMistake
from .notebook02 import check_ascent_step, check_record_output
from .notebook03 import (check_decorrelated_to_rgb, check_guided_relu_backward, check_shift_crop,
                     check_spectrum_to_image, check_total_variation)
from .notebook04 import check_direction_score, check_diversity_score, check_neuron_score
from .notebook05 import check_top_patches
from .notebook06 import check_recognition_matrix
from .notebook07 import check_tag_concentration

__all__ = ["ExerciseMistake", "check_record_output", "check_ascent_step", "check_total_variation",
           "check_spectrum_to_image", "check_decorrelated_to_rgb", "check_shift_crop",
           "check_guided_relu_backward", "check_neuron_score", "check_direction_score",
           "check_diversity_score", "check_top_patches", "check_recognition_matrix",
           "check_tag_concentration"]
