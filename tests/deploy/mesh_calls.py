"""What the retail-app services call of each other, read from their code (for the mesh's AuthorizationPolicies).

The storefront's calls: every `self.call("METHOD", path, ...)` in storefront/backends/. A path is a literal,
an f-string (each placeholder one path segment, `{*}`), a local assigned one, or a parameter of the enclosing
method resolved at that method's own calls in the same class. Orders' gRPC calls: every `guarded("Rpc", ...)` in
apps/orders/ordering/grpc_client.py, named `/package.Service/Rpc` after protos/.
"""

from __future__ import annotations

import ast
import re

from retail_dev.paths import ROOT

BACKENDS = ROOT / "storefront" / "backends"
GRPC_CLIENT = ROOT / "apps" / "orders" / "ordering" / "grpc_client.py"
INVENTORY_PROTO = ROOT / "protos" / "retail" / "inventory" / "v1" / "inventory.proto"
# Placeholders that may hold several segments: inventory's image names carry their upload_to folder
# (apps/inventory/catalog/models.py: upload_to="products/"; the storefront's route is images/<path:name>).
MULTI_SEGMENT = {"/media/{name}"}
BASE_CLIENT = "BackendClient"  # storefront/backends/http.py: its calls go to every backend


def _template(node: ast.JoinedStr) -> str:
    raw = "".join(v.value if isinstance(v, ast.Constant) else "{" + ast.unparse(v.value) + "}" for v in node.values)
    if raw in MULTI_SEGMENT:
        return re.sub(r"\{[^}]*\}$", "{**}", raw)
    return re.sub(r"\{[^}]*\}", "{*}", raw)


def _service(cls: ast.ClassDef) -> str | None:
    """The backend a client class names in `super().__init__("users", ...)`."""
    for node in ast.walk(cls):
        is_init = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "__init__"
        if is_init and node.args and isinstance(node.args[0], ast.Constant):
            return node.args[0].value
    return None


class _Client:
    def __init__(self, cls: ast.ClassDef):
        self.methods = {f.name: f for f in cls.body if isinstance(f, ast.FunctionDef)}

    def calls(self) -> set[tuple[str, str]]:
        found = set()
        for function in self.methods.values():
            for node in ast.walk(function):
                if _is_self_call(node, "call") and isinstance(node.args[0], ast.Constant):
                    found |= {(node.args[0].value, p) for p in self.paths(node.args[1], function)}
        return found

    def paths(self, node: ast.expr, function: ast.FunctionDef) -> set[str]:
        if isinstance(node, ast.Constant):
            return {node.value}
        if isinstance(node, ast.JoinedStr):
            return {_template(node)}
        if isinstance(node, ast.Name):
            assigned = [
                a.value
                for a in ast.walk(function)
                if isinstance(a, ast.Assign) and any(isinstance(t, ast.Name) and t.id == node.id for t in a.targets)
            ]
            if assigned:
                return set().union(*(self.paths(v, function) for v in assigned))
            params = [a.arg for a in function.args.args]
            if node.id in params:
                return self.argument_paths(function.name, params.index(node.id) - 1)  # minus self
        raise AssertionError(f"{function.name}: cannot read the path {ast.unparse(node)!r} (extend mesh_calls.py)")

    def argument_paths(self, name: str, position: int) -> set[str]:
        found = set()
        for function in self.methods.values():
            for node in ast.walk(function):
                if _is_self_call(node, name):
                    found |= self.paths(node.args[position], function)
        return found


def _is_self_call(node, name: str) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == name
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "self"
        and len(node.args) >= 1
    )


def storefront_calls() -> dict[str, set[tuple[str, str]]]:
    """backend -> {(method, path template)} the storefront calls."""
    per_service: dict[str, set] = {}
    shared: set = set()
    for module in sorted(BACKENDS.glob("*.py")):
        for cls in ast.parse(module.read_text()).body:
            if not isinstance(cls, ast.ClassDef) or not cls.name.endswith("Client"):
                continue
            calls = _Client(cls).calls()
            if cls.name == BASE_CLIENT:
                shared |= calls
            elif (service := _service(cls)) is not None:
                per_service.setdefault(service, set()).update(calls)
    return {service: calls | shared for service, calls in per_service.items()}


def inventory_rpc_paths() -> set[str]:
    """The gRPC paths orders calls: `/package.Service/Method`, each a method of the proto's service."""
    proto = INVENTORY_PROTO.read_text()
    (package,) = re.findall(r"^package ([\w.]+);", proto, re.M)
    (service,) = re.findall(r"^service (\w+) \{", proto, re.M)
    rpcs = set(re.findall(r"^\s*rpc (\w+)\(", proto, re.M))
    called = {
        node.args[0].value
        for node in ast.walk(ast.parse(GRPC_CLIENT.read_text()))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "guarded"
    }
    assert called and called <= rpcs, f"orders calls {sorted(called - rpcs)}, not in {INVENTORY_PROTO.name}"
    return {f"/{package}.{service}/{rpc}" for rpc in called}
