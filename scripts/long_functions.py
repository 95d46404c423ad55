"""List the functions in the apps longer than 80 lines that give no reason for their length.

A long function says why at its top, in a comment line ``# Long: <reason>`` between its
``def`` line and its first statement (after the docstring, if any). The functions in
``scripts/long_functions_known.txt`` were long before this check existed and are still to be
cut into steps; they are listed but do not fail the check. Any other long function without a
reason does. Usage: ``python scripts/long_functions.py [ROOT]``; exits 1 when one is found.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

LIMIT = 80
APPS = ("selfreg", "benchmarking", "earlywarning", "peerchallenge", "knowledgehub")
REASON = re.compile(r"^\s*# Long: \S")
KNOWN = Path(__file__).with_name("long_functions_known.txt")


def long_functions(root: Path) -> list[tuple[str, str, int, int]]:
    """(app, qualified name, first line, length) of every long function without a reason."""
    found = []
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            source = path.read_text(encoding="utf-8")
            lines = source.splitlines()
            found += [
                (app, f"{path.relative_to(root)}::{name}", node.lineno, length)
                for name, node, length in _functions(ast.parse(source), "")
                if length > LIMIT and not _has_reason(node, lines)
            ]
    return found


def _functions(tree: ast.AST, prefix: str):
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            name = f"{prefix}{node.name}"
            if not isinstance(node, ast.ClassDef):
                yield name, node, node.end_lineno - node.lineno + 1
            yield from _functions(node, f"{name}.")


def _has_reason(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> bool:
    body = node.body
    docstring = (
        isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    )
    first = body[1] if docstring and len(body) > 1 else body[0]
    stop = first.lineno - 1 if first is not body[0] or not docstring else first.end_lineno
    return any(REASON.match(line) for line in lines[node.lineno : stop])


def known() -> set[str]:
    """The listed functions, as ``app qualified-name`` (the file may change within the app)."""
    entries = set()
    for line in KNOWN.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            entries.add(line)
    return entries


def _key(app: str, where: str) -> str:
    return f"{app} {where.split('::', 1)[1]}"


def main(root: Path) -> int:
    listed = known()
    found = long_functions(root)
    new = [f for f in found if _key(f[0], f[1]) not in listed]
    still = [f for f in found if _key(f[0], f[1]) in listed]
    for _app, where, line, length in still:
        print(f"still to cut: {where} (line {line}, {length} lines)")
    for entry in sorted(listed - {_key(f[0], f[1]) for f in found}):
        print(f"no longer long, remove it from {KNOWN.name}: {entry}")
    for _app, where, line, length in new:
        print(f"{where}:{line}: {length} lines and no '# Long: <reason>' at its top")
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent.parent))
