"""No service imports another service's package; the shared library imports no service."""

import ast
from pathlib import Path

import pytest

APPS = Path(__file__).resolve().parents[2] / "apps"
LIBRARIES = ("common", "devtools")  # the shared runtime library and the dev tooling: no service


def top_level_packages(project: Path) -> set[str]:
    return {p.name for p in project.iterdir() if (p / "__init__.py").exists()}


def services() -> dict[str, set[str]]:
    return {p.name: top_level_packages(p) for p in sorted(APPS.iterdir()) if p.is_dir() and p.name not in LIBRARIES}


def imported_roots(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def violations(files: list[Path], forbidden: dict[str, str], base: Path = APPS.parent) -> list[str]:
    """`forbidden` maps a package name to the service that owns it."""
    problems = []
    for path in files:
        for line, root in imported_roots(path.read_text()):
            if root in forbidden:
                problems.append(f"{path.relative_to(base)}:{line} imports {root} (owned by {forbidden[root]})")
    return problems


def owners(exclude: str | None = None) -> dict[str, str]:
    return {pkg: name for name, pkgs in services().items() if name != exclude for pkg in pkgs}


def test_every_service_is_known_and_has_packages():
    assert "users" in services()
    assert services()["users"] >= {"users_service", "accounts"}


@pytest.mark.parametrize("service", sorted(services()))
def test_a_service_imports_no_other_service(service):
    files = sorted((APPS / service).rglob("*.py"))
    assert files
    assert violations(files, owners(exclude=service)) == []


def test_the_shared_library_imports_no_service():
    files = sorted(path for library in LIBRARIES for path in (APPS / library).rglob("*.py"))
    assert violations(files, owners()) == []


def test_the_runtime_library_imports_no_dev_tooling():
    """Images install apps/common only: its runtime packages must not need retail_dev or the test project."""
    files = sorted((APPS / "common" / "retail_common").rglob("*.py")) + sorted(
        (APPS / "common" / "retail_protos").rglob("*.py")
    )
    dev_only = {"retail_dev": "the dev tooling", "retail_common_tests": "the library's test project"}
    assert files
    assert violations(files, dev_only) == []


def test_the_checker_catches_a_cross_service_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom accounts.models import User\n")
    forbidden = {"accounts": "users"}

    assert violations([bad], forbidden, base=tmp_path) == ["bad.py:2 imports accounts (owned by users)"]


def test_the_storefront_reaches_the_services_only_over_http():
    files = sorted((APPS.parent / "storefront").rglob("*.py"))
    assert files
    assert violations(files, owners()) == []
