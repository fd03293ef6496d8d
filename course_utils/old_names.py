"""The previous release's names, kept working for notebooks saved with it.

Each use of an old name warns (``FutureWarning``) with the new spelling, then gives the
new object. This is the only place old names live: ``MOVED`` lists modules that moved,
``RENAMED`` names that changed inside a module (``"Class.attribute"`` for an attribute
of a class). ``install()`` (run by ``import course_utils``) puts the finder first on
``sys.meta_path``; no other module knows about old names.
"""
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import warnings

MOVED = {f"course_utils.{old}": f"course_utils.{new}" for old, new in {
    "checks": "tools.expect", "cli": "tools.cli", "example_browser": "tools.example_browser",
    "explorer": "tools.explorer", "links": "tools.links", "lucent_bridge": "tools.lucent_bridge",
    "notebook_tools": "tools.notebook_tools", "plotting": "tools.plotting",
    "poster": "tools.poster", "quiet": "tools.quiet",
    "dataset_examples": "studies.dataset_examples", "image_bank": "studies.image_bank",
    "metrics": "studies.metrics", "receptive_field": "studies.receptive_field",
    "sanity": "studies.randomization", "shortcut_data": "studies.shortcut_data",
    "shortcut_model": "studies.shortcut_model", "shortcut_probes": "studies.shortcut_probes",
    "two_afc": "studies.two_afc", "watermark": "studies.watermark",
}.items()}
RENAMED = {  # module -> {old name: new name, or "module:name" when it moved elsewhere}
    "course_utils.config": {"steps": "full_or_fast", "size": "full_or_fast"},
    "course_utils.hooks": {"INPUT": "IMAGE"},
    "course_utils.models": {"randomized_copy": "course_utils.studies.randomization:randomized_copy"},
    "course_utils.optim.param": {"COLOR_SQRT_COV_NORMALIZED": "COLOR_MIX"},
    "course_utils.optim.render": {"RenderResult.activation": "score"},
    "course_utils.studies.watermark": {
        "class_index": "course_utils.course_model:CourseModel.class_index"},
}


def _warn(old: str, new: str) -> None:
    """Warn at the learner's line: the frame above the one that called ``_warn``
    (``warnings`` itself skips the import machinery's frames)."""
    warnings.warn(f"{old} is now {new}; the old name will be removed in a later release.",
                  FutureWarning, stacklevel=3)


def _target(module, new: str):
    where, _, name = new.rpartition(":")
    found = importlib.import_module(where) if where else module
    for part in name.split("."):
        found = getattr(found, part)
    return found


def _add_old_names(module) -> None:
    """A module ``__getattr__`` for its old names, and properties for old attributes."""
    renamed = RENAMED[module.__name__]

    def __getattr__(name):
        if name not in renamed:
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")
        new = renamed[name]
        _warn(f"{module.__name__}.{name}", new.replace(":", ".") if ":" in new
              else f"{module.__name__}.{new}")
        return _target(module, new)

    module.__getattr__ = __getattr__
    for old, new in renamed.items():
        if "." in old:
            owner, attribute = old.split(".")

            def read(self, owner=owner, attribute=attribute, new=new):
                _warn(f"{owner}.{attribute}", f"{owner}.{new}")
                return getattr(self, new)

            setattr(getattr(module, owner), attribute, property(read))


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Old module names resolve to the new modules; modules with renamed names get them."""

    def find_spec(self, fullname, path, target=None):
        if fullname in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        if fullname in RENAMED:
            spec = importlib.machinery.PathFinder.find_spec(fullname, path)
            if spec is not None:
                spec.loader = _Adding(spec.loader)
            return spec
        return None

    def create_module(self, spec):
        _warn(spec.name, MOVED[spec.name])
        return importlib.import_module(MOVED[spec.name])

    def exec_module(self, module):
        pass


class _Adding(importlib.abc.Loader):
    """The module's own loader, then its old names."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        _add_old_names(module)

    def __getattr__(self, name):  # get_source, get_filename, ...: the module's own loader's
        return getattr(self.loader, name)


def install() -> None:
    """Put the finder first on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
