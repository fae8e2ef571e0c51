"""Diagnostics: what is wrong, where (file:line:col) and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bmnsocial.i18n import _
from bmnsocial.terminal import visible


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    file: str
    line: int
    column: int
    severity: Severity
    code: str
    message: str
    hint: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def format(self) -> str:
        """One line for a terminal: a file name or a post's words are shown, never obeyed."""
        text = f"{self.file}:{self.line}:{self.column}: {self.severity.value}[{self.code}]: "
        text += self.message
        if self.hint:
            text += " " + _("Hint: {hint}").format(hint=self.hint)
        return visible(text)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Diagnostic:
        return cls(str(data["file"]), int(data["line"]), int(data["column"]),
                   Severity(data["severity"]), str(data["code"]), str(data["message"]),
                   str(data.get("hint", "")))

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
        }


def sort_key(d: Diagnostic) -> tuple[str, int, int, str]:
    return (d.file, d.line, d.column, d.code)
