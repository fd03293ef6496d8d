"""Contract of the measuring and drawing functions: metrics on odd tensors and arrays,
plotting functions on images of odd shapes. Each answers a number or a figure of the
promised shape, or a CourseError; no half-drawn figure is left open."""
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

from contract_fuzz import fuzz, good_images, holds, odd, odd_or, refused, tensors
from course_utils.studies import metrics
from course_utils.tools import plotting

matplotlib.use("Agg")

ARRAYS = st.one_of(tensors(), good_images(3), odd, st.builds(lambda x: x.numpy(), good_images(3)),
                   st.builds(lambda x: x[0], good_images(1)),
                   st.builds(lambda x: x.flatten(1).tolist(), good_images(3, max_side=2)))


def finite_vector(result, n):
    assert isinstance(result, torch.Tensor) and result.shape == (n,)
    assert torch.isfinite(result.float()).all()


def batch_of(x):
    return 1 if x.dim() == 3 else x.shape[0]


@fuzz(120)
@given(images=ARRAYS, cutoff=odd_or(0.25, 0.1, 0.7, 0.0, 1.0))
def test_high_frequency_score(images, cutoff):
    result = holds(lambda: metrics.high_frequency_score(images, cutoff))
    if not refused(result):
        finite_vector(result, batch_of(torch.as_tensor(images)))
        assert float(result.min()) >= 0 and float(result.max()) <= 1 + 1e-6


@fuzz(80)
@given(images=ARRAYS)
def test_total_variation(images):
    result = holds(lambda: metrics.total_variation(images))
    if not refused(result):
        finite_vector(result, batch_of(torch.as_tensor(images)))


@fuzz(120)
@given(vectors=ARRAYS)
def test_similarity_metrics(vectors):
    matrix = holds(lambda: metrics.cosine_matrix(vectors))
    if not refused(matrix):
        n = len(vectors)
        assert matrix.shape == (n, n) and torch.isfinite(matrix).all()
        assert float(matrix.abs().max()) <= 1 + 1e-4
    for measure in (metrics.consistency, metrics.mean_pairwise_distance):
        result = holds(lambda: measure(vectors))
        if not refused(result):
            assert isinstance(result, float) and np.isfinite(result)


@fuzz(80)
@given(logits=st.one_of(tensors(max_rank=3), odd,
                        st.builds(lambda: torch.randn(3, 5))),
       class_index=odd_or(st.integers(-1, 5), np.int64(2)))
def test_class_rank(logits, class_index):
    result = holds(lambda: metrics.class_rank(logits, class_index))
    if not refused(result):
        assert result.shape == (logits.shape[0],)
        assert int(result.min()) >= 0 and int(result.max()) < logits.shape[-1]


# --- plotting ----------------------------------------------------------------------------

PICTURES = st.one_of(good_images(1, max_side=6).map(lambda x: x[0]), good_images(1, max_side=6),
                     good_images(1, max_side=6).map(lambda x: x[0].permute(1, 2, 0).numpy()),
                     good_images(2, max_side=6), tensors(max_side=6), odd)
PLOTS = {
    "gallery": lambda pics, extra: plotting.gallery(pics, titles=extra.get("titles"),
                                                    cols=extra.get("cols", 5)),
    "compare": lambda pics, extra: plotting.compare(pics, extra.get("titles") or
                                                    [str(i) for i in range(len(pics))],
                                                    values=extra.get("values")),
    "filmstrip": lambda pics, extra: plotting.filmstrip(dict(enumerate(pics)),
                                                        extra.get("values") or [1.0, 2.0]),
    "poster": lambda pics, extra: plotting.poster({("a", i): p for i, p in enumerate(pics)},
                                                  ["a"], extra.get("cols", list(range(len(pics))))),
    "feature_maps": lambda pics, extra: plotting.feature_maps(pics[0] if pics else None,
                                                            extra.get("channels", [0])),
    "bars": lambda pics, extra: plotting.bars(extra.get("titles") or ["a"], extra.get("values")
                                              or [1.0]),
}
EXTRAS = st.fixed_dictionaries({}, optional={
    "titles": odd_or(["a"], ["a", "b", "c"], []), "cols": odd_or(1, 3, 0, -1),
    "values": odd_or([1.0], [1.0, 2.0, 3.0], [float("nan")], []),
    "channels": odd_or([0], [0, 2], [99], [])})


@fuzz(200)
@given(name=st.sampled_from(sorted(PLOTS)),
       pictures=st.one_of(st.lists(PICTURES, max_size=3), odd), extra=EXTRAS)
def test_plotting(name, pictures, extra):
    before = plt.get_fignums()
    pics = pictures if isinstance(pictures, list) else [pictures]
    result = holds(lambda: PLOTS[name](pics, extra))
    try:
        if refused(result):
            assert plt.get_fignums() == before, "a figure was left open after the error"
        else:
            assert isinstance(result, matplotlib.figure.Figure)
    finally:
        plt.close("all")
