"""Same seed, same image (on the CPU); different seeds, different images."""
import torch

from course_utils.optim import param, render, render_channels, transforms

QUICK = dict(size=16, steps=5, progress=False)


def test_same_seed_gives_an_identical_image(tiny):
    a = render(tiny, "mid:2", seed=7, **QUICK)
    torch.rand(100)  # disturb the global random state between the two runs
    b = render(tiny, "mid:2", seed=7, **QUICK)
    assert torch.equal(a.images, b.images)
    assert (a.history == b.history).all()


def test_different_seeds_give_different_images(tiny):
    a = render(tiny, "mid:2", seed=1, **QUICK)
    b = render(tiny, "mid:2", seed=2, **QUICK)
    assert (a.images - b.images).abs().max() > 1e-3


def test_running_cells_out_of_order_does_not_change_a_result(tiny):
    first = render(tiny, "mid:1", seed=3, **QUICK)
    render(tiny, "mid:4", seed=99, batch=2, **QUICK)
    again = render(tiny, "mid:1", seed=3, **QUICK)
    assert torch.equal(first.images, again.images)
    assert first.history[-1, 0] != first.history[0, 0]  # the image did change under way


def test_own_transforms_using_the_global_generator_are_reproducible(tiny):
    def run():
        own = [transforms.pad(4), transforms.jitter(4), transforms.random_rotate([-5, 0, 5])]
        return render(tiny, "mid:0", seed=5, transforms=own, **QUICK)

    a = run()
    torch.rand(10)
    assert torch.equal(a.images, run().images)


def test_every_parameterization_is_reproducible(tiny):
    for fft, decorrelate in [(True, True), (False, True), (False, False)]:
        images = [render(tiny, "mid:1", seed=4, param=param.image(16, 1, fft, decorrelate,
                                                                  seed=4), **QUICK).images
                  for _ in range(2)]
        assert torch.equal(*images), (fft, decorrelate)


def test_gallery_on_the_real_model_is_reproducible(effnet):
    kwargs = dict(size=16, steps=2, input_size=32, seed=11, progress=False)
    a = render_channels(effnet, "mid", [0, 5], **kwargs)
    b = render_channels(effnet, "mid", [0, 5], **kwargs)
    assert torch.equal(a.images, b.images)
    c = render_channels(effnet, "mid", [0, 5], **{**kwargs, "seed": 12})
    assert (a.images - c.images).abs().max() > 1e-3
