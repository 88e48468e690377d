"""A position in MLIR text, with the small matching helpers a recursive-descent parser needs.

The parser reads straight from the text with regular expressions instead of a separate lexer: MLIR's token rules
change with context (`3x4xf32` inside `tensor<...>`, `0x...` as an integer or as float bits), and a cursor lets
each grammar rule say what it expects. Every error names `file:line:col` and says what was expected vs found.
"""
from __future__ import annotations

import bisect
import re

from tfc.errors import Location, TfcValueError

__all__ = ["Cursor", "ParseError", "STRING", "unescape"]

_TRIVIA = re.compile(r"(?:\s+|//[^\n]*)*")  # whitespace and `//` comments (so `// -----` too)
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"?|[%@#^!]?[\w$.]+|->|\S')
STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
_ESCAPE = re.compile(r"\\(?:([0-9A-Fa-f]{2})|(.))")


class ParseError(TfcValueError):
    """Text that is not valid tfc IR, at `location` (file, line, 1-based column) of that text."""

    def __init__(self, message: str, location: Location):
        super().__init__(message, location=location)

    def __str__(self) -> str:
        where = self.location
        return f"{where.file}:{where.line}:{where.col}: {self.message}"


def unescape(body: str) -> str:
    """The value of an MLIR string literal's body: `\\"`, `\\\\`, `\\n`, `\\t` and `\\XX` (hex) escapes."""
    def one(match: re.Match) -> str:
        if match.group(1):
            return chr(int(match.group(1), 16))
        return {"n": "\n", "t": "\t"}.get(match.group(2), match.group(2))
    return _ESCAPE.sub(one, body)


class Cursor:
    """Reads `text` left to right; `first_line` numbers its first line (a chunk of a split file keeps the
    file's line numbers)."""

    def __init__(self, text: str, filename: str = "<input>", first_line: int = 1):
        self.text = text
        self.filename = filename
        self.first_line = first_line
        self.pos = 0
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    # ------------------------------------------------------------------------------------------- positions
    def location(self, pos: int | None = None) -> Location:
        pos = self.pos if pos is None else pos
        line = bisect.bisect_right(self._line_starts, pos) - 1
        return Location(self.filename, line + self.first_line, pos - self._line_starts[line] + 1)

    def error(self, message: str, pos: int | None = None) -> ParseError:
        return ParseError(message, self.location(pos))

    def skip(self) -> int:
        """Moves past whitespace and comments; returns the new position (where the next token starts)."""
        self.pos = _TRIVIA.match(self.text, self.pos).end()
        return self.pos

    def at_end(self) -> bool:
        return self.skip() >= len(self.text)

    def found(self) -> str:
        """What stands at the cursor, quoted, for `expected X, found Y` messages."""
        if self.at_end():
            return "end of input"
        token = _TOKEN.match(self.text, self.pos).group()
        return f"'{token[:40]}'"

    # -------------------------------------------------------------------------------------------- matching
    def peek(self, literal: str) -> bool:
        self.skip()
        if not self.text.startswith(literal, self.pos):
            return False
        end = self.pos + len(literal)
        # a keyword must end at a word boundary: `return` does not match `returned`
        return not (literal[-1].isalnum() and end < len(self.text) and (self.text[end].isalnum() or
                                                                       self.text[end] in "_."))

    def accept(self, literal: str) -> bool:
        if self.peek(literal):
            self.pos += len(literal)
            return True
        return False

    def expect(self, literal: str, what: str | None = None) -> None:
        if not self.accept(literal):
            raise self.error(f"expected {what or repr(literal)}, found {self.found()}")

    def try_match(self, pattern: re.Pattern) -> re.Match | None:
        self.skip()
        match = pattern.match(self.text, self.pos)
        if match is not None:
            self.pos = match.end()
        return match

    def match(self, pattern: re.Pattern, what: str) -> re.Match:
        match = self.try_match(pattern)
        if match is None:
            raise self.error(f"expected {what}, found {self.found()}")
        return match

    def string(self, what: str = "a quoted string") -> str:
        return unescape(self.match(STRING, what).group(1))

    def comma_list(self, parse_item, close: str) -> list:
        """Items separated by commas up to `close` (consumed); the opening bracket is already read."""
        items = []
        if self.accept(close):
            return items
        while True:
            items.append(parse_item())
            if self.accept(close):
                return items
            self.expect(",", f"',' or '{close}'")
