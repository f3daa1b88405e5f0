"""The house has one direction: every module imports on its own, and imports only point down
the layers of ../shared/DESIGN.md (a package may import those listed before it and the
cross-cutting modules, never one listed after it); no module imports a routes.py."""

import ast
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "wipo_training"

#: The domain packages, lowest first (DESIGN.md). Everything else in wipo_training/ is
#: cross-cutting and imports no domain package, but for the factory and the commands that
#: compose the app (COMPOSERS).
LAYERS = [
    "auth",
    "people",
    "courses",
    "participants",
    "meetings",
    "timetable",
    "evaluations",
    "followup",
    "documents",
    "reports",
    "main",
    "admin",
    "api",
    "demo",
]
COMPOSERS = {"wipo_training", "wipo_training.cli"}

#: Imports that still point the wrong way (issue 17, in progress): each is listed so that no
#: new one appears unnoticed, and the test fails when one listed here is gone (then delete
#: its line). Empty when the house is straight.
KNOWN: set[tuple[str, str]] = set()


def module_names() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def imports_of(module: str) -> set[str]:
    """Every wipo_training module that ``module`` imports, at the top or inside a function
    (an import inside a function is still a dependency)."""
    path = PACKAGE.parent / (module.replace(".", "/") + ".py")
    is_package = not path.exists()
    if is_package:
        path = PACKAGE.parent / module.replace(".", "/") / "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: len(module.split(".")) - node.level + is_package]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found |= {f"{target}.{alias.name}" for alias in node.names}
    return {name for name in found if name.split(".")[0] == "wipo_training"}


def wrong_way() -> set[tuple[str, str]]:
    known_modules = set(module_names())
    found = set()
    for module in known_modules:
        for target in imports_of(module):
            if target not in known_modules:
                continue  # a name imported from a module, already counted as the module
            if target.endswith(".routes") and module not in COMPOSERS:
                found.add((module, target))
                continue
            here, there = layer(module), layer(target)
            if there is None or here == there or module in COMPOSERS:
                continue
            if here is None or LAYERS.index(there) > LAYERS.index(here):
                found.add((module, target))
    return found


def test_imports_only_point_down():
    found = wrong_way()
    new = sorted(found - KNOWN)
    assert not new, "Imports pointing up the layers, or of a routes.py:\n" + "\n".join(
        f"  {module} imports {target}" for module, target in new
    )
    gone = sorted(KNOWN - found)
    assert not gone, "Straightened (delete from KNOWN): " + ", ".join(map(str, gone))


def test_the_check_sees_an_import_pointing_up(tmp_path, monkeypatch):
    """The check itself: a courses module importing timetable, or anyone importing a
    routes.py, is caught."""
    assert layer("wipo_training.courses.services") == "courses"
    monkeypatch.setattr(
        sys.modules[__name__],
        "imports_of",
        lambda module: (
            {"wipo_training.evaluations.routes"}
            if module == "wipo_training.courses.forms"
            else set()
        ),
    )
    assert wrong_way() == {("wipo_training.courses.forms", "wipo_training.evaluations.routes")}


def _import_alone(module: str) -> tuple[str, str]:
    result = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        capture_output=True,
        text=True,
        cwd=PACKAGE.parent,
        timeout=120,
    )
    return module, result.stderr.strip().splitlines()[-1] if result.returncode else ""


@pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")),
    reason="no database involved: runs in make test's SQLite pass, not again on PostgreSQL",
)
@pytest.mark.parametrize("chunk", range(4))
def test_every_module_imports_on_its_own(chunk):
    """Each module in a fresh interpreter: a circular import fails here."""
    modules = module_names()[chunk::4]
    with ThreadPoolExecutor(max_workers=2) as pool:
        failures = [(m, error) for m, error in pool.map(_import_alone, modules) if error]
    assert not failures, "\n".join(f"{module}: {error}" for module, error in failures)
