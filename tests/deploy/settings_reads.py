"""What each project's settings read from the environment, found by reading their source (AST).

A read needs a value in the cluster when it has no default (`env("X")`, a required
`resolve_secret("X")`), or when its default points at this machine (127.0.0.1, the embedded
servers): such a default serves `manage_all.py dev` and would be wrong in a pod.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

from retail_dev.paths import ROOT

COMMON = [ROOT / "apps/common/retail_common/service_settings.py"]
# Projects with retail_common installed: its lazy settings, and the token verifier's keys (JWT_PUBLIC_KEYS).
WITH_LIBRARY = [
    *COMMON,
    ROOT / "apps/common/retail_common/config/retail_settings.py",
    ROOT / "apps/common/retail_common/auth/jwt_verify.py",
]
SOURCES = {
    "users": [*WITH_LIBRARY, ROOT / "apps/users/users_service/settings.py"],
    "inventory": [*WITH_LIBRARY, ROOT / "apps/inventory/inventory_service/settings.py"],
    "orders": [*WITH_LIBRARY, ROOT / "apps/orders/orders_service/settings.py"],
    "payments": [*WITH_LIBRARY, ROOT / "apps/payments/payments_service/settings.py"],
    "storefront": [*COMMON, ROOT / "storefront/storefront_service/settings.py"],
}
LOCAL_MARKERS = ("127.0.0.1", "EMBEDDED_", "localhost")


def _is_env_call(node: ast.Call) -> bool:
    func = node.func
    return (isinstance(func, ast.Name) and func.id == "env") or (
        isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "env"
    )


def _is_secret_call(node: ast.Call) -> bool:
    return isinstance(node.func, ast.Name) and node.func.id == "resolve_secret"


def _keyword(node: ast.Call, name: str):
    return next((k.value for k in node.keywords if k.arg == name), None)


def _local(node) -> bool:
    return node is not None and any(marker in ast.unparse(node) for marker in LOCAL_MARKERS)


def needed_in_cluster(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    needed = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args or not isinstance(node.args[0], ast.Constant):
            continue
        name = node.args[0].value
        if _is_env_call(node):
            default = _keyword(node, "default")
            if default is None or _local(default):
                needed.add(name)
        elif _is_secret_call(node):
            optional = _keyword(node, "required")
            fallback = parents.get(node)
            if (
                optional is None
                or (isinstance(optional, ast.Constant) and optional.value is not False)
                or (isinstance(fallback, ast.BoolOp) and _local(fallback))
            ):
                needed.add(name)
    return needed


@functools.cache
def project_needs(project: str) -> frozenset[str]:
    return frozenset().union(*(needed_in_cluster(path) for path in SOURCES[project]))
