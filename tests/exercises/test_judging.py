"""How every checker answers: a crash in the learner's code is reported briefly, a
value that is not a function is explained, a mistake is shown without a traceback."""
from checker_cases import rejected
from course_utils.exercises import notebook03
from course_utils.exercises.judging import ExerciseMistake


def test_a_crash_in_the_learners_code_is_reported_briefly():
    def broken(images):
        return images.no_such_method()

    message = rejected(notebook03.check_total_variation, broken)
    assert "AttributeError" in message and "no_such_method" in message


def test_passing_something_that_is_not_a_function_is_explained():
    message = rejected(notebook03.check_total_variation, 3.0)
    assert "pass the function itself" in message


def test_a_mistake_is_shown_without_a_traceback():
    mistake = ExerciseMistake("total_variation: the sign is flipped.")
    assert mistake._render_traceback_() == ["\x1b[31m✗ total_variation: the sign is flipped.\x1b[0m"]
