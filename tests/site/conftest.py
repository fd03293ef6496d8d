"""The built site and the browser: these checks need `--site-dir` (make test passes it
after building the site) and are skipped without it."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def site_dir(request) -> Path:
    given = request.config.getoption("site_dir")
    if not given:
        pytest.skip("checks on the built site: run `make test`, or build the site and pass "
                    "--site-dir build")
    path = Path(given)
    path = path if path.is_absolute() else ROOT / path
    assert (path / "index.html").is_file(), f"no built site in {path}: run `make course-fast`"
    return path


@pytest.fixture(scope="session")
def chromium(request) -> str:
    path = Path(request.config.getoption("chromium"))
    assert path.is_file(), (f"Chromium is not at {path}: `make chromium` installs it "
                            "(Debian: apt-get install chromium) or pass --chromium PATH")
    return str(path)


@pytest.fixture(scope="session")
def screenshots(site_dir) -> Path:
    folder = site_dir / "screenshots"
    folder.mkdir(exist_ok=True)
    return folder
