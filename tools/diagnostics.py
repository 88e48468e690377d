"""`tfc-opt --verify-diagnostics`: checks the errors tfc-opt reports against `// expected-error` comments, as
mlir-opt's flag of the same name does, so invalid-input tests can state the expected message beside the bad line:

    // expected-error @+1 {{use of undefined value %7}}
    %0 = "tfc.exp"(%7) : (tensor<3xf32>) -> tensor<3xf32>

Targets: none (this line), `@+N` / `@-N` (relative), `@below` / `@above` (the nearest line that is not itself an
expectation). The expected text must occur in the message. tfc's parser stops at a chunk's first error, so a
chunk (see --split-input-file) holds at most one expectation that can be met.
"""
from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["Expectation", "expected_errors", "check_diagnostics"]

_EXPECTED = re.compile(r"//\s*expected-error\s*(?:@([+-]\d+|above|below))?\s*\{\{(.*?)\}\}")


class Expectation(NamedTuple):
    line: int        # the line the error must be reported on
    text: str        # a substring of the message
    written_at: int  # the line of the comment, for "was not produced" messages


def expected_errors(chunk: str, first_line: int = 1) -> list[Expectation]:
    lines = chunk.splitlines()
    found = []
    for index, line in enumerate(lines):
        for match in _EXPECTED.finditer(line):
            target = _target_line(lines, index, match.group(1))
            found.append(Expectation(target + first_line, match.group(2), index + first_line))
    return found


def _target_line(lines: list[str], index: int, designator: str | None) -> int:
    if designator is None:
        return index
    if designator in ("above", "below"):
        step = -1 if designator == "above" else 1
        target = index + step
        while 0 <= target < len(lines) and _EXPECTED.search(lines[target]):
            target += step
        return target
    return index + int(designator)


def check_diagnostics(filename: str, expectations: list[Expectation],
                      error: tuple[int, int, str] | None) -> list[str]:
    """Messages for every mismatch between `expectations` and the reported `error` (line, col, message)."""
    problems = []
    unmatched = list(expectations)
    if error is not None:
        line, col, message = error
        match = next((e for e in unmatched if e.line == line and e.text in message), None)
        if match is None:
            problems.append(f"{filename}:{line}:{col}: error: unexpected error: {message}")
        else:
            unmatched.remove(match)
    for expectation in unmatched:
        problems.append(f"{filename}:{expectation.written_at}: error: expected error \"{expectation.text}\" on "
                        f"line {expectation.line} was not produced")
    return problems
