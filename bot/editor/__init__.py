"""Editor-facing tools: `bot validate`, `bot pull`, `bot preview`.

- `validate` checks content and mapping offline (no Notion, no workspace) and reports
  ``file:line:col: level: message``.
- `pull` turns a Notion page back into a content file (front matter + Markdown).
- `preview` renders the converted blocks as a standalone HTML page.
"""

from .diagnostics import Diagnostic, format_diagnostic
from .validate import ValidationResult, preflight, validate

__all__ = ["Diagnostic", "ValidationResult", "format_diagnostic", "preflight", "validate"]
