"""Every problem code the code can produce is documented in docs/errors.md (codes are stable API)."""

from __future__ import annotations

from pathlib import Path

from mercato.http.problems import EXTRA_CODES
from mercato.kernel.errors import ALL_ERRORS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "errors.md").read_text()


def test_every_domain_error_code_is_documented_with_its_status() -> None:
    for error in ALL_ERRORS:
        assert f"| `{error.code}` | {error.status} |" in DOC, error.code


def test_every_framework_error_code_is_documented() -> None:
    for code in EXTRA_CODES:
        assert f"| `{code}` |" in DOC, code
