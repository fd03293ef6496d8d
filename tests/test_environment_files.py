"""One environment, three doors: pyproject.toml (pip / make), environment.yml (conda)
and binder/requirements.txt (Binder, CPU-only torch) name the same packages."""
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def _name(requirement: Requirement) -> str:
    return re.sub(r"[-_.]+", "-", requirement.name).lower()


def _parse(lines):
    reqs = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):  # options (-e ., --extra-index-url)
            continue
        req = Requirement(line)
        reqs[_name(req)] = req
    return reqs


def pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return _parse(project["dependencies"] + project["optional-dependencies"]["dev"])


def conda():
    import yaml

    spec = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in spec["dependencies"] if isinstance(d, dict) and "pip" in d)
    return _parse(pip)


def binder():
    return _parse((ROOT / "binder" / "requirements.txt").read_text().splitlines())


def test_the_three_files_name_the_same_packages():
    names = {"pyproject.toml": set(pyproject()), "environment.yml": set(conda()),
             "binder/requirements.txt": set(binder())}
    reference = names["pyproject.toml"]
    for where, found in names.items():
        assert found == reference, (f"{where} differs from pyproject.toml: missing "
                                    f"{sorted(reference - found)}, extra {sorted(found - reference)}")


def test_versions_agree_except_binders_cpu_torch():
    ref, env, bind = pyproject(), conda(), binder()
    for name, req in ref.items():
        assert env[name].specifier == req.specifier, f"environment.yml: {env[name]} vs {req}"
        if name in ("torch", "torchvision"):
            continue
        assert bind[name].specifier == req.specifier, f"binder: {bind[name]} vs {req}"


@pytest.mark.parametrize("name", ["torch", "torchvision"])
def test_binder_pins_a_cpu_build_within_the_supported_range(name):
    pinned = binder()[name]
    (spec,) = list(pinned.specifier)
    assert spec.operator == "==" and spec.version.endswith("+cpu"), pinned
    assert pyproject()[name].specifier.contains(spec.version.split("+")[0]), pinned
    text = (ROOT / "binder" / "requirements.txt").read_text()
    assert f"--extra-index-url {CPU_INDEX}" in text


def test_the_conda_environment_installs_the_package_itself():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s*-\s*-e\s+\.\s*$", text, re.M)
    assert "pip install --no-deps -e ." in (ROOT / "binder" / "postBuild").read_text()
