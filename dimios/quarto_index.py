"""Pre-render step of the project's own ``quarto render``: put the front page of the book
being rendered at the project root as ``index.ipynb`` (Quarto's home page of a book).

``_quarto-national.yml`` / ``_quarto-organisation.yml`` (written by ``dimios build``) run it
with their executed front notebook: ``python dimios/quarto_index.py <front notebook>``.
Standard library only: Quarto runs it with whatever Python it finds.
"""

import shutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: quarto_index.py <executed front notebook>", file=sys.stderr)
        return 2
    source, target = Path(argv[0]), Path("index.ipynb")
    if not source.exists():
        print(f"{source} does not exist: run `dimios build` first", file=sys.stderr)
        return 1
    if not target.exists() or target.read_bytes() != source.read_bytes():
        shutil.copyfile(source, target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
