"""Notebook 06's exercise checker: it accepts the reference, uses the reference while the
exercise is not done, and names each plausible mistake in a learner's words."""
import numpy as np
import pytest
import torch

from checker_cases import checker_tests
from course_utils.exercises import ExerciseMistake, check_recognition_matrix
from course_utils.exercises.notebook06 import _case, recognition_matrix


# --- what learners write -------------------------------------------------------------------

def learner_right(images, judges, classes, k):
    rows = []
    for batch in images.values():
        row = []
        for name, judge in judges.items():
            top = judge(batch).argsort(dim=1, descending=True)[:, :k]
            row.append(float((top == torch.tensor(classes[name])[:, None]).any(1).float().mean()))
        rows.append(row)
    return torch.tensor(rows)  # a tensor instead of an array is fine


def learner_swapped(images, judges, classes, k):
    """One row per judge, one column per maker."""
    return recognition_matrix(images, judges, classes, k).T


def learner_always_top5(images, judges, classes, k):
    """Top 1 computed as 'in the top 5'."""
    return recognition_matrix(images, judges, classes, 5)


def learner_argmin(images, judges, classes, k):
    matrix = np.zeros((len(images), len(judges)))
    for i, batch in enumerate(images.values()):
        for j, (name, judge) in enumerate(judges.items()):
            bottom = judge(batch).argsort(dim=1)[:, :k]  # ascending: the lowest scores
            matrix[i, j] = (bottom == torch.tensor(classes[name])[:, None]).any(1).float().mean()
    return matrix


def learner_makers_indices(images, judges, classes, k):
    matrix = np.zeros((len(images), len(judges)))
    for i, (maker, batch) in enumerate(images.items()):
        for j, judge in enumerate(judges.values()):
            top = judge(batch).topk(k, dim=1).indices
            matrix[i, j] = (top == torch.tensor(classes[maker])[:, None]).any(1).float().mean()
    return matrix


def learner_counts(images, judges, classes, k):
    matrix = np.zeros((len(images), len(judges)))
    for i, batch in enumerate(images.values()):
        for j, (name, judge) in enumerate(judges.items()):
            top = judge(batch).topk(k, dim=1).indices
            matrix[i, j] = (top == torch.tensor(classes[name])[:, None]).any(1).sum()
    return matrix


def learner_mean_probability(images, judges, classes, k):
    """The mean softmax probability of the class, not a share of hits."""
    matrix = np.zeros((len(images), len(judges)))
    for i, batch in enumerate(images.values()):
        for j, (name, judge) in enumerate(judges.items()):
            p = judge(batch).softmax(1)
            matrix[i, j] = p[torch.arange(len(p)), torch.tensor(classes[name])].mean()
    return matrix


# --- the verdicts ----------------------------------------------------------------------------

CASES = [(check_recognition_matrix, recognition_matrix, [
    (learner_swapped, "rows and columns are swapped"),
    (learner_always_top5, "always used the top 5"),
    (learner_argmin, "lowest scores"),
    (learner_makers_indices, "classes[judge name]"),
    (learner_counts, "counts"),
    (learner_mean_probability, "expected"),
])]
globals().update(checker_tests(CASES))


def test_a_learners_own_right_answer_passes(capsys):
    assert check_recognition_matrix(learner_right) is learner_right
    assert "✓ recognition_matrix is correct" in capsys.readouterr().out


def test_a_square_matrix_transposed_is_caught_by_its_values():
    def swapped_when_square(images, judges, classes, k):
        m = recognition_matrix(images, judges, classes, k)
        return m.T if m.shape[0] == m.shape[1] else m

    with pytest.raises(ExerciseMistake, match="rows and columns are swapped"):
        check_recognition_matrix(swapped_when_square)


def test_bad_input_and_crashes_get_a_clear_answer():
    with pytest.raises(ExerciseMistake, match="pass the function itself"):
        check_recognition_matrix("recognition_matrix")
    with pytest.raises(ExerciseMistake, match="raised KeyError"):
        check_recognition_matrix(lambda images, judges, classes, k: classes["nobody"])
    with pytest.raises(ExerciseMistake, match="matrix of numbers"):
        check_recognition_matrix(lambda images, judges, classes, k: {"a": 1})


def test_the_made_up_cases_tell_the_mistakes_apart():
    """Every mistake gives another matrix than the right answer on the checker's cases
    (otherwise the checker could not see it), and the cells vary."""
    images, judges, classes = _case(0, 2, 3, n=12, classes=20)
    right = {k: recognition_matrix(images, judges, classes, k) for k in (1, 5)}
    assert not np.allclose(right[1], right[5])
    assert right[1].std() > 0 and right[5].std() > 0
    for wrong in (learner_argmin, learner_makers_indices, learner_counts):
        for k in (1, 5):
            assert not np.allclose(wrong(images, judges, classes, k), right[k])


def test_the_reference_counts_hits_by_hand():
    """One maker, one judge, three images whose classes rank 0, 3 and 4 among 5."""
    logits = torch.tensor([[9.0, 1, 2, 3, 4], [1.0, 9, 8, 2, 3], [5.0, 4, 3, 2, 1]])
    images = {"a": torch.zeros(3, 3, 4, 4)}
    judges = {"a": lambda x: logits}
    classes = {"a": [0, 3, 4]}
    assert recognition_matrix(images, judges, classes, 1)[0, 0] == pytest.approx(1 / 3)
    assert recognition_matrix(images, judges, classes, 4)[0, 0] == pytest.approx(2 / 3)
    assert recognition_matrix(images, judges, classes, 5)[0, 0] == pytest.approx(1.0)
