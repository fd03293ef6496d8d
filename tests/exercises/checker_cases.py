"""The three promises every exercise checker keeps, as tests to put into a test module:
the reference passes, an unsolved exercise gets the reference back, plausible mistakes
are named (each message says how to move on)."""
import pytest

from course_utils.exercises.judging import NOT_DONE, ExerciseMistake


def not_done(*args, **kwargs):
    raise NotImplementedError()


def rejected(check, fn) -> str:
    with pytest.raises(ExerciseMistake) as info:
        check(fn)
    return str(info.value)


def checker_tests(cases) -> dict:
    """Tests for ``cases``: (checker, reference, [(wrong version, words its message must
    contain), ...]) each; put them into the test module's namespace."""
    ids = lambda c: getattr(c, "__name__", "")  # noqa: E731

    @pytest.mark.parametrize("check, reference, wrong", cases, ids=ids)
    def test_the_reference_passes(check, reference, wrong, capsys):
        assert check(reference) is reference
        assert "✓" in capsys.readouterr().out

    @pytest.mark.parametrize("check, reference, wrong", cases, ids=ids)
    def test_an_unsolved_exercise_gets_the_reference(check, reference, wrong, capsys):
        assert check(not_done) is reference
        assert NOT_DONE in capsys.readouterr().out

    @pytest.mark.parametrize("check, reference, wrong", cases, ids=ids)
    def test_plausible_mistakes_are_named(check, reference, wrong):
        assert len(wrong) >= 2
        for fn, words in wrong:
            message = rejected(check, fn)
            assert words in message, (fn.__name__, message)
            assert "put `raise NotImplementedError()` back" in message  # how to move on

    return {t.__name__: t for t in (test_the_reference_passes,
                                    test_an_unsolved_exercise_gets_the_reference,
                                    test_plausible_mistakes_are_named)}
