"""Project setup: the lock (uv.lock), pyproject.toml and environment.yml agree; the README's commands."""

import re
import tomllib

import yaml

from dimios import paths

def _name(req: str) -> str:
    return re.split(r"[<>=!~;\[ ]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _lock() -> dict:
    return tomllib.loads((paths.ROOT / "uv.lock").read_text(encoding="utf-8"))


def _environment() -> dict[str, str | None]:
    """{name: pinned version or None} of environment.yml (conda and pip sections)."""
    env = yaml.safe_load((paths.ROOT / "environment.yml").read_text(encoding="utf-8"))
    specs = []
    for dep in env["dependencies"]:
        specs += [r for r in dep.get("pip", []) if not r.startswith("-")] if isinstance(dep, dict) else [dep]
    out = {}
    for spec in specs:
        m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(?:==?\s*([^\s,<>=!]+))?\s*(?:[<>!~].*)?", spec)
        assert m, f"environment.yml: cannot read {spec!r}"
        out[_name(m.group(1))] = m.group(2)
    return out


def test_lock_is_made_from_pyproject():
    """uv.lock was resolved from the current pyproject.toml (same requirements); `uv sync --locked`
    refuses a stale lock too, this says which requirement differs."""
    pyproject = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    want = {(_name(r), "") for r in pyproject["dependencies"]}
    for extra, reqs in pyproject["optional-dependencies"].items():
        want |= {(_name(r), extra) for r in reqs}
    (me,) = [p for p in _lock()["package"] if p["name"] == "dimios"]
    got = {(r["name"], re.sub(r"extra == '(.*)'", r"\1", r.get("marker", ""))) for r in me["metadata"]["requires-dist"]}
    assert got == want, f"run `make lock`: only in pyproject: {want - got}; only in uv.lock: {got - want}"
    assert me["version"] == pyproject["version"]


def test_lock_pins_every_package_once_with_hashes():
    seen = {}
    for pkg in _lock()["package"]:
        if pkg["name"] == "dimios":
            continue
        assert pkg["name"] not in seen, f"uv.lock holds two versions of {pkg['name']}"
        seen[pkg["name"]] = pkg["version"]
        files = pkg.get("wheels", []) + ([pkg["sdist"]] if "sdist" in pkg else [])
        assert files and all(f.get("hash", "").startswith("sha256:") for f in files), pkg["name"]
    assert {"numpy", "pandas", "scipy", "pytest"} <= set(seen)


def test_environment_agrees_with_the_lock():
    """environment.yml names the project's direct dependencies (runtime and the test extra), pinned to
    uv.lock's versions (`make lock` writes both)."""
    lock = _lock()
    versions = {p["name"]: p["version"] for p in lock["package"]}
    (me,) = [p for p in lock["package"] if p["name"] == "dimios"]
    direct = {r["name"] for r in me["metadata"]["requires-dist"] if r.get("marker", "") in ("", "extra == 'test'")}
    env = _environment()
    named = set(env) - {"python", "pip", "quarto"}
    assert named == direct, f"only in environment.yml: {named - direct}; only in uv.lock: {direct - named}"
    differ = {n: (v, versions[n]) for n, v in env.items() if n in direct and v is not None and v != versions[n]}
    assert not differ, f"environment.yml and uv.lock pin other versions (env, lock): {differ}; run `make lock`"
    assert "quarto" in env and "python" in env


def test_readme_names_the_two_commands():
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    ci = (paths.ROOT / ".ci" / "run").read_text()
    assert "make report" in readme and "make test" in readme
    assert "make test" in ci
