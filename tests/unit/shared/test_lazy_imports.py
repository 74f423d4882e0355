"""shared.lazy_imports: a package's submodule without the package's __init__ (cold starts)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.lazy_imports import lazy_package


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """``heavy_pkg``: its __init__ imports ``other`` (the costly part) and counts its runs."""
    root = tmp_path / "heavy_pkg"
    root.mkdir()
    (root / "__init__.py").write_text(
        "import builtins\n"
        "builtins.heavy_pkg_inits = getattr(builtins, 'heavy_pkg_inits', 0) + 1\n"
        "from heavy_pkg.wanted import Resolver\n"
        "from heavy_pkg.other import Other\n"
    )
    (root / "wanted.py").write_text(
        "from heavy_pkg import helpers\nclass Resolver:\n    helper = helpers.HELP\n"
    )
    (root / "helpers.py").write_text("HELP = 'help'\n")
    (root / "other.py").write_text("class Other: ...\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import builtins

    monkeypatch.setattr(builtins, "heavy_pkg_inits", 0, raising=False)
    yield "heavy_pkg"
    for name in [n for n in sys.modules if n == "heavy_pkg" or n.startswith("heavy_pkg.")]:
        del sys.modules[name]


def test_a_submodule_loads_without_the_package_init(package: str) -> None:
    import builtins

    # Given the package registered lazily
    lazy_package(package)
    # When a submodule is imported, which itself imports a sibling from the package root
    from heavy_pkg.wanted import Resolver

    # Then the package's __init__ has not run and its other modules are not loaded
    assert Resolver.helper == "help"
    assert builtins.heavy_pkg_inits == 0
    assert "heavy_pkg.other" not in sys.modules


def test_a_name_of_the_package_root_still_imports(package: str) -> None:
    import builtins

    lazy_package(package)
    # When code imports a name the package root defines
    from heavy_pkg import Other
    from heavy_pkg import Resolver as Same
    from heavy_pkg.wanted import Resolver

    # Then __init__ runs, once, and the names are the same objects
    assert Same is Resolver and Other.__name__ == "Other"
    assert builtins.heavy_pkg_inits == 1
    with pytest.raises(ImportError):
        from heavy_pkg import missing  # noqa: F401


def test_an_imported_or_unknown_package_is_left_alone(package: str) -> None:
    import heavy_pkg

    lazy_package(package)
    lazy_package("no_such_package_here")
    assert sys.modules[package] is heavy_pkg
    assert "no_such_package_here" not in sys.modules


@pytest.mark.parametrize(
    "logical_id",
    ["ListPhotosFunction", "UploadPhotoFunction", "SignInFunction", "AuthConfigFunction"],
)
def test_handlers_load_the_rest_resolver_only(logical_id: str) -> None:
    # Given a function's handler module imported as Lambda does, in a fresh interpreter
    import os
    import subprocess

    from local_stack.template import Template

    root = Path(__file__).resolve().parents[3]
    spec = Template.load(root / "template.yaml").functions()[logical_id]
    module = spec.handler.rsplit(".", 1)[0]
    probe = (
        f"import importlib, sys; importlib.import_module({module!r}); "
        "print(sorted(m for m in sys.modules if m.startswith('aws_lambda_powertools.event_handler.')))"
    )
    env = {**os.environ, **spec.environment, "PYTHONPATH": str(root / "src")}
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False
    )
    # Then Powertools' REST resolver is loaded, and none of the other resolvers
    assert out.returncode == 0, out.stderr
    loaded = out.stdout
    assert "aws_lambda_powertools.event_handler.api_gateway" in loaded
    for other in (
        "appsync",
        "bedrock_agent",
        "vpc_lattice",
        "lambda_function_url",
        "events_appsync",
    ):
        assert f"aws_lambda_powertools.event_handler.{other}'" not in loaded, other
