"""The layers hold: imhcpd ← competencies ← portfolios ← supervision ← exports ← register ← teams.

A module may import only from its own layer or a lower one; nothing imports in a circle; no
module passes 500 lines. The rules run on the source (tests/imhcpd/import_graph.py) and each
one is first shown to fail on a synthetic bad case, so a green run means the code is clean,
not that the checker is blind.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.imhcpd import import_graph as g

# --- The checker itself, on synthetic code ---------------------------------------------------

KNOWN = {
    "imhcpd",
    "imhcpd.models",
    "imhcpd.urls",
    "imhcpd.views",
    "competencies",
    "competencies.models",
    "portfolios",
    "portfolios.models",
    "portfolios.services",
    "portfolios.supervision",
    "portfolios.supervision.models",
    "portfolios.supervision.views",
    "portfolios.exports",
    "portfolios.exports.models",
    "register",
    "register.models",
    "register.services",
    "register.services.common",
    "register.services.entries",
}


def _imports(importer: str, source: str, *, is_package: bool = False) -> list[g.Import]:
    return g.imports_in_source(importer, source, KNOWN, is_package=is_package)


def _targets(importer: str, source: str, *, is_package: bool = False) -> set[str]:
    return {i.target for i in _imports(importer, source, is_package=is_package)}


def test_checker_sees_lazy_imports_inside_functions_and_methods() -> None:
    source = (
        "import os\n"
        "def f():\n"
        "    from register.models import Application\n"
        "class C:\n"
        "    def m(self):\n"
        "        try:\n"
        "            import portfolios.exports.models\n"
        "        except ImportError:\n"
        "            pass\n"
    )
    assert _targets("imhcpd.views", source) == {"register.models", "portfolios.exports.models"}


def test_checker_sees_import_module_with_a_literal_name() -> None:
    source = "from importlib import import_module\nimport_module('register.models')\n"
    assert _targets("imhcpd.views", source) == {"register.models"}


def test_checker_resolves_relative_imports() -> None:
    assert _targets("portfolios.supervision.views", "from ..exports import models") == {
        "portfolios.exports.models"
    }
    assert _targets("portfolios.supervision.views", "from .models import Supervision") == {
        "portfolios.supervision.models"
    }
    # In a package's __init__ the package itself is the anchor.
    assert _targets("register.services", "from . import common", is_package=True) == {
        "register.services.common"
    }
    assert _targets("register.services.entries", "from . import common") == {
        "register.services.common"
    }


def test_checker_edges_go_to_submodules_when_a_name_is_one() -> None:
    assert _targets("register.views", "from register import services") == {"register.services"}
    assert _targets("register.views", "from register.services import entries") == {
        "register.services.entries"
    }
    # A plain name is an attribute of the package: the edge is to its __init__.
    assert _targets("register.views", "from register.services import entry_renew") == {
        "register.services"
    }
    assert _targets("register.views", "import register.services.entries") == {
        "register.services.entries"
    }
    # Third-party and standard-library imports are not project edges.
    assert _targets("register.views", "import django\nfrom django.db import models") == set()


def test_checker_skips_type_checking_blocks_but_not_their_else() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "import typing\n"
        "if TYPE_CHECKING:\n"
        "    from register.models import Application\n"
        "if typing.TYPE_CHECKING:\n"
        "    from register.models import Endorsement\n"
        "else:\n"
        "    from portfolios.exports.models import PortfolioExport\n"
    )
    assert _targets("imhcpd.views", source) == {"portfolios.exports.models"}


def test_checker_reports_upward_edges() -> None:
    bad = [
        *_imports("imhcpd.views", "def f():\n    from register.models import Application\n"),
        *_imports("competencies.models", "from portfolios.models import Portfolio"),
        *_imports("portfolios.services", "from portfolios.exports import models"),
        *_imports("portfolios.models", "import portfolios.supervision.models"),
        *_imports("portfolios.supervision.views", "from ..exports.models import X"),
        *_imports("portfolios.exports.models", "from register.services import entries"),
    ]
    good = [
        *_imports("register.models", "from portfolios.exports.models import PortfolioExport"),
        *_imports("portfolios.exports.models", "from portfolios.supervision import models"),
        *_imports("portfolios.supervision.views", "from portfolios.models import Portfolio"),
        *_imports("portfolios.models", "from competencies.models import Competency"),
        *_imports("competencies.models", "from imhcpd.models import User"),
        *_imports("portfolios.services", "from portfolios import models"),
        # The root urlconf mounts the apps.
        *_imports("imhcpd.urls", "from register.models import Application"),
    ]
    assert len(bad) == 6
    assert g.upward_imports(bad + good) == bad
    assert "imhcpd.views:2: imhcpd.views -> register.models" in bad[0].describe()


def test_layer_of_picks_the_most_specific_layer() -> None:
    assert g.layer_of("imhcpd.urls") == 0
    assert g.layer_of("portfolios.templatetags.portfolio_tags") == 2
    assert g.layer_of("portfolios.management.commands.create_demo_accounts") == 2
    assert g.layer_of("portfolios.supervision.views") == 3
    assert g.layer_of("portfolios.exports") == 4
    assert g.layer_of("portfolios.exportsx") == 2  # a prefix of the name is not a package
    assert g.layer_of("register.services.entries") == 5
    assert g.layer_of("django.db") is None


def test_checker_reports_a_cycle_and_names_its_modules() -> None:
    graph = {
        "a": {"b"},
        "b": {"c"},
        "c": {"a", "d"},
        "d": set(),
        "e": {"e2"},
        "e2": {"e"},
        "f": {"a"},
    }
    assert g.cycles(graph) == [["a", "b", "c"], ["e", "e2"]]
    assert g.cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_checker_reports_a_cycle_through_a_package_init() -> None:
    imports = [
        *_imports(
            "register.services",
            "from register.services.common import X\nfrom register.services.entries import Y\n",
            is_package=True,
        ),
        *_imports("register.services.entries", "from register.services.common import Z"),
    ]
    # The package re-exporting its submodules, which import siblings by full path: no cycle.
    assert g.cycles(g.build_graph(imports)) == []

    # A submodule importing a name from its package's __init__ closes a real one (and entries,
    # which the __init__ imports and which imports common, is caught in it).
    imports += _imports("register.services.common", "from register.services import Y")
    found = g.cycles(g.build_graph(imports))
    assert found == [["register.services", "register.services.common", "register.services.entries"]]
    message = g.describe_cycle(found[0], imports)
    assert "register.services.common:1: register.services.common -> register.services" in message
    assert "register.services:1: register.services -> register.services.common" in message


def test_checker_reports_long_modules(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "short.py").write_text("x = 1\n" * 500)
    (tmp_path / "app" / "long.py").write_text("x = 1\n" * 501)
    (tmp_path / "app" / "migrations").mkdir()
    (tmp_path / "app" / "migrations" / "0001_initial.py").write_text("x = 1\n" * 900)
    modules = g.discover_modules(tmp_path, packages=["app"])
    assert set(modules) == {"app", "app.short", "app.long"}
    assert modules["app"].is_package
    assert g.oversized(modules) == [(str(tmp_path / "app" / "long.py"), 501)]


def test_grep_check_catches_app_imports_and_ignores_strings() -> None:
    source = (
        '"""Docs."""\n'
        "from django.conf import settings\n"
        'INSTALLED_APPS = ["portfolios.supervision", "register"]\n'
        "def f():\n"
        "    from register.models import Application\n"
        "import competencies.models\n"
        "import portfolios_extra\n"  # another package whose name merely starts the same
    )
    assert g.app_import_lines(source) == [
        (5, "from register.models import Application"),
        (6, "import competencies.models"),
    ]


# --- The rules, on the project ---------------------------------------------------------------


@cache
def _modules() -> dict[str, g.Module]:
    return g.discover_modules(ROOT)


@cache
def _project_imports() -> tuple[g.Import, ...]:
    return tuple(g.project_imports(_modules()))


def _lines(imports: list[g.Import]) -> str:
    modules = _modules()
    return "\n".join(i.describe(modules[i.importer].path.relative_to(ROOT)) for i in imports)


def test_the_walker_sees_the_whole_project() -> None:
    # Guards the rules below against passing because they looked at nothing.
    modules = _modules()
    for name in (
        "imhcpd.urls",
        "competencies.models",
        "portfolios.models",
        "portfolios.templatetags",
        "portfolios.management.commands.create_demo_accounts",
        "portfolios.supervision.services",
        "portfolios.exports.worker",
        "register.services.applications",
    ):
        assert name in modules, name
    assert not any(".migrations" in name for name in modules)
    targets = {(i.importer, i.target) for i in _project_imports()}
    assert ("imhcpd.urls", "competencies.views") in targets
    assert ("register.views.applicant", "portfolios.supervision.models") in targets
    # A lazy import inside a function.
    assert ("portfolios.services", "portfolios.selectors") in targets


def test_imhcpd_imports_no_app() -> None:
    apps = ("competencies", "portfolios", "register")
    bad = [
        i
        for i in _project_imports()
        if g.layer_of(i.importer) == 0
        and i.importer not in g.LAYER_EXEMPT
        and i.target.split(".")[0] in apps
    ]
    assert not bad, "imhcpd is the site core and must not import an app:\n" + _lines(bad)


def test_imhcpd_grep_done_when_check() -> None:
    """The issue's own check: grep imhcpd/ (but urls.py) for imports of the apps."""
    found = []
    for module in _modules().values():
        relative = module.path.relative_to(ROOT)
        if relative.parts[0] != "imhcpd" or relative == Path("imhcpd/urls.py"):
            continue
        found += [
            f"{relative}:{n}: {line}"
            for n, line in g.app_import_lines(module.path.read_text(encoding="utf-8"))
        ]
    assert not found, "imhcpd/ imports an app:\n" + "\n".join(found)


def test_no_import_goes_up_a_layer() -> None:
    bad = g.upward_imports(_project_imports())
    assert not bad, (
        "A module imports from a higher layer (order, lowest first: "
        + " <- ".join(g.LAYERS)
        + "):\n"
        + _lines(bad)
    )


def test_no_import_cycles() -> None:
    imports = _project_imports()
    found = g.cycles(g.build_graph(imports))
    assert not found, "Import cycles (counting imports inside functions):\n" + "\n".join(
        g.describe_cycle(component, imports) for component in found
    )


@pytest.mark.parametrize("package", g.PROJECT_PACKAGES)
def test_no_module_over_500_lines(package: str) -> None:
    modules = {n: m for n, m in _modules().items() if n.split(".")[0] == package}
    too_long = [(Path(p).relative_to(ROOT), n) for p, n in g.oversized(modules)]
    assert not too_long, f"Modules over {g.MAX_LINES} lines; split them:\n" + "\n".join(
        f"    {path}: {count} lines" for path, count in too_long
    )
