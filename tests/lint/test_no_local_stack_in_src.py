"""The no-arrow rule: Lambda code (src/) never imports the dev-only local stack.

src/ is what ships to Lambda (docs/architecture.md, "Layout"); local_stack/ is never
deployed, so an import of it from src/ would work locally and fail on AWS.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def local_stack_imports(root: Path) -> list[str]:
    """``path:line`` of every import of ``local_stack`` (or a submodule) under ``root``."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            if any(name == "local_stack" or name.startswith("local_stack.") for name in names):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_src_never_imports_the_local_stack():
    assert local_stack_imports(ROOT / "src") == []


def test_the_check_sees_such_an_import(tmp_path: Path):
    (tmp_path / "handler.py").write_text("from local_stack.cognito import install\n")
    (tmp_path / "other.py").write_text("import local_stack_helpers\nimport json\n")

    assert local_stack_imports(tmp_path) == ["handler.py:1"]
