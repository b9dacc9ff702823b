"""dimios: the reproducible pipeline behind the DiMiOS report on digital maturity."""

from importlib import metadata as _metadata

try:  # one source: the version in pyproject.toml, as installed (CITATION.cff repeats it; a test checks)
    __version__ = _metadata.version("dimios")
except _metadata.PackageNotFoundError:  # pragma: no cover - running from a tree that is not installed
    __version__ = "0+unknown"
