"""The package's public names and its purity."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pulsefolio.portfolio.valuation as valuation

ALLOWED = {"numpy", "scipy", "pulsefolio"}
ALLOWED_PULSEFOLIO = {"pulsefolio.core.money", "pulsefolio.core.domain", "pulsefolio.core.errors"}


def test_all_matches_public_names() -> None:
    public = {n for n in vars(valuation) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(valuation, n)).__name__ == "module"}
    assert sorted(valuation.__all__) == sorted(public - modules)


def test_imports_only_stdlib_numpy_scipy_and_core() -> None:
    for path in Path(valuation.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top == "pulsefolio":
                    assert name in ALLOWED_PULSEFOLIO, (path.name, name)
                else:
                    assert top in ALLOWED or top in sys.stdlib_module_names, (path.name, name)
