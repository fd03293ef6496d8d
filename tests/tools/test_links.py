"""The repository's address is defined once; badges and links derive from it."""
from course_utils.tools import links


def test_links_are_derived_from_the_one_address():
    assert links.REPO_URL == f"https://github.com/{links.REPO}"
    assert links.PIP_SPEC == f"git+{links.REPO_URL}@{links.BRANCH}"
    colab = links.colab_url("02_x.ipynb")
    assert colab == (f"https://colab.research.google.com/github/{links.REPO}/blob/"
                     f"{links.BRANCH}/notebooks/02_x.ipynb")
    assert links.binder_url("02_x.ipynb").endswith("urlpath=lab/tree/notebooks/02_x.ipynb")
    assert f"({colab})" in links.colab_badge("02_x.ipynb")
