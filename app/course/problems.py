"""Problems found in course files, reported as ``path:line: message``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class Problems(list[Problem]):
    """Collects problems; paths are shown relative to a root so messages stay short."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root

    def add(self, path: Path, line: int, message: str) -> None:
        self.append(Problem(self.display(path), max(line, 1), message))

    def display(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)
