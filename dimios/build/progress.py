"""What the user sees of a build: the progress of the sections and the closing summary line."""

from __future__ import annotations

import sys
from pathlib import Path


class Progress:
    """A tqdm bar naming the running sections on a terminal; one line per section otherwise."""

    def __init__(self, total: int, cached: int, enabled: bool | None = None, stream=None):
        self.stream = stream or sys.stderr
        self.total, self.done = total, cached
        self.tty = self.stream.isatty() if enabled is None else enabled
        self.bar = None
        if self.tty:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=cached, desc="sections", unit="section", file=self.stream,
                            dynamic_ncols=True, leave=False)
        elif cached:
            self._line(f"{cached} of {total} sections unchanged: taken from the cache")

    def _line(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def running(self, names: list[str]) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(", ".join(names) if names else "", refresh=True)

    def finished(self, name: str, seconds: float) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
            self.bar.refresh()
        else:
            width = len(str(self.total))
            self._line(f"[{self.done:>{width}}/{self.total}] {name} ({seconds:.1f} s)")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def editions(book: Path) -> list[str]:
    out = []
    if (book / "index.html").exists():
        out.append("HTML")
    if list(book.glob("*.pdf")):
        out.append("PDF")
    return out


def summary(n_run: int, n_cached: int, seconds: float, editions: list[str], how: str, index: Path,
            up_to_date: bool = False) -> None:
    total = n_run + n_cached
    if up_to_date:
        head = f"report up to date: all {total} sections unchanged (nothing executed)"
    else:
        head = f"built {total} sections: {n_run} executed, {n_cached} from the cache"
    print(f"{head}; {seconds:.1f} s; editions: {', '.join(editions) or 'none'} ({how}); report: {index}",
          file=sys.stderr, flush=True)
