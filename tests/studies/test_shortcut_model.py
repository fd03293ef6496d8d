"""The small CNN for the scans: seeded weights, a deterministic one-thread training loop,
a course-model wrapper, and the shortcut it learns (and the fix that removes it)."""
import pytest
import torch

from course_utils.errors import CourseError
from course_utils.optim import logit, render
from course_utils.studies.shortcut_data import CLASSES, IMAGE_SIZE, make_scans
from course_utils.studies.shortcut_model import (STAGES, ScanNet, accuracy, as_course_model,
                                                 predict, train)


def test_same_seed_same_initial_weights_and_global_rng_untouched():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    a, b, c = ScanNet(seed=1), ScanNet(seed=1), ScanNet(seed=2)
    assert torch.equal(torch.rand(3), expected)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a.conv1.weight, c.conv1.weight)


def test_training_is_deterministic_per_seed():
    scans = make_scans(200, seed=0)
    nets = [ScanNet(seed=0), ScanNet(seed=0), ScanNet(seed=0)]
    histories = [train(net, scans, epochs=1, seed=s, progress=False)
                 for net, s in zip(nets, (0, 0, 1))]
    same = [torch.equal(p, q) for p, q in zip(nets[0].state_dict().values(),
                                              nets[1].state_dict().values())]
    assert all(same) and histories[0]["loss"] == histories[1]["loss"]
    assert not torch.equal(nets[0].fc.weight, nets[2].fc.weight)  # another batch order
    assert not torch.equal(nets[0].fc.weight, ScanNet(seed=0).fc.weight)  # it did train
    assert not nets[0].training


def test_training_uses_one_thread_and_restores_the_setting():
    before = torch.get_num_threads()
    seen = []

    class Spy(ScanNet):
        def forward(self, x):
            seen.append(torch.get_num_threads())
            return super().forward(x)

    train(Spy(seed=0), make_scans(20, seed=0), epochs=1, batch_size=10, progress=False)
    assert seen == [1, 1] and torch.get_num_threads() == before


def test_training_shows_a_progress_bar(capsys):
    train(ScanNet(seed=0), make_scans(100, seed=0), epochs=1, progress=True)
    assert "training" in capsys.readouterr().err


@pytest.mark.parametrize("kwargs, words", [
    (dict(epochs=0), "epochs"), (dict(epochs=1.5), "epochs"), (dict(batch_size=0), "batch_size"),
    (dict(lr=0.0), "lr"), (dict(seed=-2), "seed"),
])
def test_bad_training_arguments_are_rejected_clearly(kwargs, words):
    with pytest.raises(CourseError, match=words):
        train(ScanNet(seed=0), make_scans(10, seed=0), progress=False, **kwargs)


def test_training_refuses_wrong_data_and_frozen_networks():
    with pytest.raises(CourseError, match="make_scans"):
        train(ScanNet(), (torch.rand(4, 3, 64, 64), torch.zeros(4)), progress=False)
    frozen = as_course_model(ScanNet(seed=0))
    with pytest.raises(CourseError, match="frozen"):
        train(frozen.module, make_scans(10, seed=0), progress=False)
    with pytest.raises(CourseError, match="ScanNet"):
        as_course_model(torch.nn.Conv2d(3, 3, 1))


def test_course_model_wrapper_has_stages_labels_and_renders():
    model = as_course_model(ScanNet(seed=0), "untrained")
    assert model.labels == list(CLASSES) and model.input_size == IMAGE_SIZE
    assert {stage: model.resolve(stage) for stage in STAGES} == STAGES
    assert model.spatial[model.resolve("late")] == (16, 16)
    result = render(model, logit(0), size=64, steps=3, progress=False)
    assert result.images.shape == (1, 3, 64, 64)
    assert torch.equal(predict(model, make_scans(5, seed=0).images),
                       predict(model.module, make_scans(5, seed=0).images))


def test_shortcut_model_collapses_when_tags_are_swapped_and_the_fix_recovers(trained, splits):
    shortcut, fixed = trained
    held_out = accuracy(shortcut, splits["held-out"])
    swapped = accuracy(shortcut, splits["swapped"])
    assert held_out > 0.9
    assert swapped < 0.5 * held_out  # below chance: it follows the tag
    assert accuracy(fixed, splits["swapped"]) > swapped + 0.5
    assert accuracy(fixed, splits["no tag"]) > 0.85
