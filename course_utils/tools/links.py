"""The repository's address, defined once; badges and links are derived from it."""
REPO = "feature-viz-course/activation-maximization"
BRANCH = "main"
REPO_URL = f"https://github.com/{REPO}"
PIP_SPEC = f"git+{REPO_URL}@{BRANCH}"


def colab_url(notebook: str) -> str:
    """Open ``notebooks/<notebook>`` in Colab."""
    return f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/notebooks/{notebook}"


def binder_url(notebook: str) -> str:
    """Open ``notebooks/<notebook>`` on Binder (JupyterLab)."""
    return f"https://mybinder.org/v2/gh/{REPO}/{BRANCH}?urlpath=lab/tree/notebooks/{notebook}"


def colab_badge(notebook: str) -> str:
    """Markdown for the 'Open in Colab' badge of ``notebook``."""
    return (f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
            f"({colab_url(notebook)})")
