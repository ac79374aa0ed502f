"""retail_common's subpackages import only downwards; the Vault bootstrap (ops) is imported by its command
alone; configuration is read one way (retail_common.config.environment).

Layers, lowest first: config and domain (names and values only), then db, observability and the Django app's
models and breakers, then auth, http, events; the app's wiring (apps, admin, urls, health, startup checks,
service_settings, management commands) sits on top and may import any of them.
"""

import ast
from pathlib import Path

LIBRARY = Path(__file__).resolve().parents[2] / "apps" / "common" / "retail_common"
LAYERS = {"config": 0, "domain": 0, "db": 1, "observability": 1, "models": 1, "breakers": 1, "auth": 2, "http": 3}
LAYERS |= {"events": 4}
TOP = 5  # everything else under retail_common: the app's wiring
OPS_IMPORTER = LIBRARY / "management" / "commands" / "vault_bootstrap.py"
ENVIRONMENT = LIBRARY / "config" / "environment.py"
# Reads of os.environ that are not configuration: a secret's value read verbatim (environment.py says why).
VERBATIM_READS = {(LIBRARY / "config" / "secrets.py", "os.environ.get(name)")}


def unit(module: str) -> str:
    """The layer unit of a dotted module under retail_common: its subpackage, or the root module's name."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer(module: str) -> int:
    return LAYERS.get(unit(module), TOP)


def library_modules(library: Path = LIBRARY) -> dict[str, Path]:
    files = (f for f in library.rglob("*.py") if "migrations" not in f.parts)
    return {"retail_common." + ".".join(f.relative_to(library).with_suffix("").parts): f for f in files}


def imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "retail_common":
            if node.module == "retail_common":
                found += [(node.lineno, f"retail_common.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "retail_common"]
    return found


def upward_imports(library: Path = LIBRARY) -> list[str]:
    problems = []
    for module, path in library_modules(library).items():
        for line, target in imports(path):
            same = unit(target) == unit(module)
            if not same and layer(module) < TOP and layer(target) >= layer(module):
                where = path.relative_to(library.parent)
                problems.append(
                    f"{where}:{line} ({unit(module)}, layer {layer(module)}) imports {target} (layer {layer(target)})"
                )
    return problems


def test_each_subpackage_imports_only_lower_layers():
    assert upward_imports() == []


def test_the_layer_check_catches_an_upward_import(tmp_path):
    package = tmp_path / "retail_common"
    (package / "config").mkdir(parents=True)
    (package / "config" / "bad.py").write_text("from retail_common.events.kafka import producer\n")
    assert upward_imports(package) == [
        "retail_common/config/bad.py:1 (config, layer 0) imports retail_common.events.kafka (layer 4)"
    ]


def test_only_the_vault_bootstrap_command_imports_ops():
    importers = sorted(
        str(path.relative_to(LIBRARY.parent))
        for module, path in library_modules().items()
        if unit(module) != "ops" and any(unit(target) == "ops" for _line, target in imports(path))
    )
    assert importers == [str(OPS_IMPORTER.relative_to(LIBRARY.parent))]


def environment_reads(path: Path) -> list[str]:
    """`os.environ.get(…)`, `os.environ[…]` read, `os.getenv(…)` and `environ.Env()` in a module's code."""
    found = []
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        text = ast.unparse(node) if isinstance(node, (ast.Call, ast.Subscript)) else ""
        call = isinstance(node, ast.Call) and text.startswith(("os.environ.get(", "os.getenv(", "environ.Env("))
        read = isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and text.startswith("os.environ[")
        if call or read:
            found.append(text)
    return [read for read in found if (path, read) not in VERBATIM_READS]


def test_configuration_is_read_through_the_one_environment_reader():
    readers = {
        str(path.relative_to(LIBRARY.parent)): reads
        for path in library_modules().values()
        if path != ENVIRONMENT and (reads := environment_reads(path))
    }
    assert readers == {}
    assert environment_reads(ENVIRONMENT) == ["environ.Env()"]
