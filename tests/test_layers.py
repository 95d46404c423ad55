"""The layers between the apps hold, and `make lint` would fail if one were broken.

`make lint` runs lint-imports on `.importlinter` and `scripts/long_functions.py`; these tests
show each check fails on a deliberately broken copy of the code, so a passing lint means the
layers are really there.
"""

import ast
import configparser
import importlib.util
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.redis_per_worker import worker_redis_url

ROOT = Path(__file__).resolve().parent.parent
APPS = ("selfreg", "benchmarking", "earlywarning", "peerchallenge", "knowledgehub")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def contracts() -> configparser.ConfigParser:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    return config


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(ROOT / ".importlinter")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def copy_of_the_apps(tmp_path):
    for app in APPS:
        shutil.copytree(
            ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__", "*.html")
        )
    return tmp_path


def test_the_layers_hold_on_the_code_as_it_is():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        # The kernel reaches up into a tool.
        ("selfreg/cache.py", "from peerchallenge import models", "The kernel imports no tool"),
        # A tool reaches across into another.
        ("peerchallenge/ledger.py", "import earlywarning.scoring", "import one"),
        # Benchmarking reaches up into a tool that reads it.
        ("benchmarking/periods.py", "import earlywarning.rules", "Benchmarking imports no"),
        # A pure module reaches the ORM.
        ("earlywarning/spc.py", "from django.db import models", "Pure modules import no Django"),
        ("benchmarking/likeness.py", "from benchmarking import models", "translate their words"),
    ],
)
def test_a_broken_layer_fails_the_lint(copy_of_the_apps, module, line, contract):
    path = copy_of_the_apps / module
    path.write_text(path.read_text() + f"\n{line}  # noqa\n")
    result = lint_imports(copy_of_the_apps)
    assert result.returncode == 1
    # The contract the line breaks is among those reported broken (a line can break more
    # than one: benchmarking reaching into early warning also joins two tools through it).
    assert contract in result.stdout.split("Broken contracts")[1]


def test_the_kernel_contract_names_every_kernel_module():
    """A module added to selfreg is in the kernel contract unless it is self-assessment."""
    listed = set(contracts()["importlinter:contract:kernel"]["source_modules"].split())
    kernel = {
        f"selfreg.{m.name}"
        for m in pkgutil.iter_modules([str(ROOT / "selfreg")])
        if m.name != "assessment"
    }
    assert listed == kernel


def test_pure_modules_that_translate_import_only_translation_and_validators():
    """lint-imports forbids only whole external packages, so the Django these modules use is
    checked here: translation and validators, nothing of the ORM or of requests."""
    allowed = ("django.utils.translation", "django.core.validators", "django.core.exceptions")
    modules = contracts()["importlinter:contract:pure-translated"]["source_modules"].split()
    for module in modules:
        tree = ast.parse((ROOT / (module.replace(".", "/") + ".py")).read_text())
        used = {
            node.module if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        django = {name for name in used if name and name.split(".")[0] == "django"}
        assert django <= set(allowed), (module, django)


def load_long_functions():
    spec = importlib.util.spec_from_file_location(
        "long_functions", ROOT / "scripts" / "long_functions.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def long_function(reason: str = "", docstring: bool = True) -> str:
    body = "\n".join(f"    x{i} = {i}" for i in range(85))
    doc = '    """What it does."""\n' if docstring else ""
    return f"def build():\n{doc}{reason}{body}\n"


@pytest.mark.parametrize("docstring", [True, False])
def test_a_long_function_without_a_reason_is_listed(tmp_path, docstring):
    checker = load_long_functions()
    (tmp_path / "benchmarking").mkdir()
    (tmp_path / "benchmarking" / "steps.py").write_text(long_function(docstring=docstring))
    found = checker.long_functions(tmp_path)
    assert [(app, where) for app, where, _, _ in found] == [
        ("benchmarking", "benchmarking/steps.py::build")
    ]


@pytest.mark.parametrize("docstring", [True, False])
def test_a_long_function_with_a_reason_at_its_top_passes(tmp_path, docstring):
    checker = load_long_functions()
    (tmp_path / "benchmarking").mkdir()
    reason = "    # Long: one table of eighty-five cells, read top to bottom.\n"
    (tmp_path / "benchmarking" / "steps.py").write_text(long_function(reason, docstring))
    assert checker.long_functions(tmp_path) == []


def test_the_long_function_check_passes_on_the_code_as_it_is():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "long_functions.py")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("url", "worker", "expected"),
    [
        ("redis://127.0.0.1:6379/8", "gw0", "redis://127.0.0.1:6379/8"),
        ("redis://127.0.0.1:6379/8", "gw3", "redis://127.0.0.1:6379/11"),
        ("redis://127.0.0.1:6379/15", "gw1", "redis://127.0.0.1:6379/0"),
        ("redis://127.0.0.1:6379", "gw2", "redis://127.0.0.1:6379/2"),
        ("redis://:secret@cache:6380/1?timeout=2", "gw1", "redis://:secret@cache:6380/2?timeout=2"),
        ("redis://127.0.0.1:6379/8", "master", "redis://127.0.0.1:6379/8"),
    ],
)
def test_each_test_worker_has_its_own_redis_database(url, worker, expected):
    assert worker_redis_url(url, worker) == expected


def test_the_datasets_package_has_no_import_cycle():
    """The dataset modules import `base` and one another, never the registry that imports
    them."""
    import grimp

    graph = grimp.build_graph("benchmarking")
    modules = {m for m in graph.modules if m.startswith("benchmarking.datasets.")}
    assert "benchmarking.datasets.base" in modules
    assert [m for m in modules if graph.find_shortest_chain(m, "benchmarking.datasets")] == []
    cycles = [
        (a, b)
        for a in sorted(modules)
        for b in sorted(modules)
        if a < b and graph.find_shortest_chain(a, b) and graph.find_shortest_chain(b, a)
    ]
    assert cycles == []
