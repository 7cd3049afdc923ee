"""The layers are enforced (issue 17): `lint-imports` (make lint-imports, run by .ci/run's lint step)
keeps the three contracts of pyproject.toml [tool.importlinter] on this tree, and fails, naming the
contract and the import, on a copy of the tree with a kernel -> domain import, with a new domain app
that the kernel imports or that imports another app's internals, and with a lower kernel layer
importing a higher one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

KERNEL = "The kernel never imports a domain app"
DOMAIN_API = "Domain apps use each other only through services and selectors"
LAYERS = "Kernel layers: reservations > standards > workflow > core, org, audit, notifications"


def lint_imports(cwd: Path) -> tuple[int, str]:
    # A wide console, so that rich does not wrap an import line; no cache directory in the tree.
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1"}
    done = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    return done.returncode, done.stdout + done.stderr


def contract_lines(output: str) -> dict[str, str]:
    """Contract name -> KEPT or BROKEN, from the summary."""
    found = {}
    for line in output.splitlines():
        for name in (KERNEL, DOMAIN_API, LAYERS):
            if line.startswith(name + " ") and line.split()[-1] in ("KEPT", "BROKEN"):
                found[name] = line.split()[-1]
    return found


def details(output: str, name: str) -> str:
    """The broken contract's report (under its underlined heading, up to the next contract's)."""
    start = output.index(f"{name}\n{'-' * len(name)}\n")
    ends = [output.find(f"\n{other}\n{'-' * len(other)}\n", start + 1) for other in (KERNEL, DOMAIN_API, LAYERS)]
    return output[start:min([end for end in ends if end > start], default=len(output))]


@pytest.fixture
def copy(tmp_path) -> Path:
    """The Python files of this tree, the import-linter configuration and the contract types, in a
    scratch directory (lint-imports puts its working directory first on sys.path, so `jiguan` is the
    copy there)."""
    def not_python(directory, names):
        return [name for name in names if name == "__pycache__"
                or (not name.endswith(".py") and not (Path(directory) / name).is_dir())]

    shutil.copytree(ROOT / "jiguan", tmp_path / "jiguan", ignore=not_python)
    (tmp_path / "tools").mkdir()
    shutil.copy(ROOT / "tools" / "import_contracts.py", tmp_path / "tools")
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def write(root: Path, module: str, source: str) -> None:
    path = root.joinpath(*module.split(".")).with_suffix(".py")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")


def test_the_tree_keeps_every_contract():
    code, output = lint_imports(ROOT)
    assert code == 0, output
    assert contract_lines(output) == {KERNEL: "KEPT", DOMAIN_API: "KEPT", LAYERS: "KEPT"}, output
    assert "Contracts: 3 kept, 0 broken." in output


def test_a_kernel_module_importing_a_domain_app_fails(copy):
    write(copy, "jiguan.core.layers_probe", '"""A kernel module that knows the assets app."""\n\n'
                                             "from jiguan.assets import models  # noqa: F401\n")
    code, output = lint_imports(copy)
    assert code == 1, output
    summary = contract_lines(output)
    assert summary[KERNEL] == "BROKEN" and summary[DOMAIN_API] == "KEPT", output
    report = details(output, KERNEL)
    assert "jiguan.core is not allowed to import jiguan.assets" in report
    assert "jiguan.core.layers_probe -> jiguan.assets.models (l.3)" in report


def test_a_new_domain_app_is_covered_without_editing_the_contracts(copy):
    write(copy, "jiguan.spaces.__init__", "")
    write(copy, "jiguan.spaces.services", "from jiguan.assets import selectors, services  # noqa: F401\n")
    write(copy, "jiguan.spaces.models", "from jiguan.assets.models import Asset  # noqa: F401\n")
    write(copy, "jiguan.workflow.layers_probe", "from jiguan.spaces import services  # noqa: F401\n")
    code, output = lint_imports(copy)
    assert code == 1, output
    summary = contract_lines(output)
    assert summary[KERNEL] == "BROKEN" and summary[DOMAIN_API] == "BROKEN", output
    # the kernel contract found the new app by itself
    report = details(output, KERNEL)
    assert "jiguan.spaces" in next(line for line in report.splitlines() if line.startswith("Domain apps"))
    assert "jiguan.workflow is not allowed to import jiguan.spaces" in report
    assert "jiguan.workflow.layers_probe -> jiguan.spaces.services (l.1)" in report
    # another app's internals are refused, its services and selectors are not
    report = details(output, DOMAIN_API)
    assert "-   jiguan.spaces.models -> jiguan.assets.models (l.1)" in report
    assert "jiguan.spaces.services" not in report


def test_a_lower_kernel_layer_importing_a_higher_one_fails(copy):
    write(copy, "jiguan.workflow.layers_probe", "from jiguan.standards import models  # noqa: F401\n")
    code, output = lint_imports(copy)
    assert code == 1, output
    assert contract_lines(output) == {KERNEL: "KEPT", DOMAIN_API: "KEPT", LAYERS: "BROKEN"}, output
    report = details(output, LAYERS)
    assert "jiguan.workflow is not allowed to import jiguan.standards" in report
    assert "jiguan.workflow.layers_probe -> jiguan.standards.models (l.1)" in report


def test_the_contracts_agree_on_what_the_kernel_is():
    """A kernel app added to one contract and forgotten in another would be a domain app there."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    contracts = {contract["id"]: contract for contract in config["contracts"]}
    kernel, domain_api = contracts["kernel"], contracts["domain-api"]
    assert set(kernel["kernel"]) == set(domain_api["kernel"])
    assert set(kernel["not_apps"]) == set(domain_api["not_apps"])
    layered = {name.strip() for layer in contracts["kernel-layers"]["layers"]
               for name in layer.replace("|", ":").split(":")}
    assert layered == set(kernel["kernel"])
