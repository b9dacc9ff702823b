"""Project setup: environment.yml and pyproject.toml name the same runtime packages."""

import re
import tomllib

import yaml

from dimios import paths

# pip name -> conda-forge name where they differ
CONDA_NAME = {"factor_analyzer": "factor_analyzer"}


def _name(req: str) -> str:
    return re.split(r"[<>=!~;\[ ]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_matches_pyproject():
    pyproject = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())
    runtime = {_name(r) for r in pyproject["project"]["dependencies"]}
    env = yaml.safe_load((paths.ROOT / "environment.yml").read_text())
    conda, pip = set(), set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip |= {_name(r) for r in dep.get("pip", []) if not r.startswith("-")}
        else:
            conda.add(_name(dep))
    named = (conda | pip) - {"python", "pip", "quarto"}
    assert named == runtime, f"only in environment.yml: {named - runtime}; only in pyproject: {runtime - named}"
    assert "quarto" in conda
    assert any(d.startswith("python") for d in env["dependencies"] if isinstance(d, str))


def test_readme_names_the_two_commands():
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    ci = (paths.ROOT / ".ci" / "run").read_text()
    assert "make report" in readme and "make test" in readme
    assert "make test" in ci
