"""dimios: the reproducible pipeline behind the DiMiOS report on digital maturity."""

__version__ = "0.1.0"
