"""YAML documents that remember the line of each key, so errors can point at it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml


class SourceError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class Document:
    """A YAML mapping with the 1-based line of each top-level key."""

    data: dict[str, Any]
    key_lines: dict[str, int] = field(default_factory=dict)
    first_line: int = 1

    def line(self, key: str) -> int:
        return self.key_lines.get(key, self.first_line)


def parse_mapping(text: str, line_offset: int = 0) -> Document:
    """Parse YAML text that must be a mapping; raise SourceError with a line number."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = (mark.line + 1 if mark else 1) + line_offset
        raise SourceError(line, f"YAML syntax error: {error.problem or error}") from None
    except yaml.YAMLError as error:
        raise SourceError(1 + line_offset, f"YAML error: {error}") from None
    if data is None:
        return Document({}, {}, 1 + line_offset)
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise SourceError(1 + line_offset, "expected a mapping of 'key: value' lines")
    key_lines = {str(key.value): key.start_mark.line + 1 + line_offset for key, _value in node.value}
    return Document({str(k): v for k, v in data.items()}, key_lines, 1 + line_offset)


def split_front_matter(text: str) -> tuple[str, str, int]:
    """Split ``---``-delimited front matter from a Markdown body.

    Returns (front matter, body, line of the body's first line).
    """
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise SourceError(1, "a lesson file must start with '---' and YAML front matter")
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "".join(lines[1:index]), "".join(lines[index + 1 :]), index + 2
    raise SourceError(1, "front matter is not closed by a '---' line")
