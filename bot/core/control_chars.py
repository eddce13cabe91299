"""Invisible characters that change how stored text looks are removed where a person's text enters Vejviser.

Bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069) can make a question or an answer read
differently on the dashboard than it is stored ("Trojan Source"); terminal escape sequences (ESC [ ... m, OSC
titles) repaint an operator's terminal in `vejviser requisitions list`; other C0 and C1 controls have no
meaning in a question. Newline and tab are kept (answers have paragraphs); a carriage return goes, so a
browser's CRLF becomes LF.
"""

from __future__ import annotations

import re

# ESC [ params final (CSI), ESC ] ... BEL or ESC \ (OSC), ESC P/X/^/_ ... ESC \ (DCS and friends), ESC + one char;
# the same introduced by the 8-bit C1 forms U+009B (CSI) and U+009D (OSC).
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b\]|\x9d).*?(?:\x07|\x1b\\|\x9c|$)"
    r"|\x1b[PX^_].*?(?:\x1b\\|\x9c|$)"
    r"|\x1b[ -~]?",
    re.DOTALL,
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """`text` without escape sequences, bidi overrides and isolates, or control characters other than \\n and \\t."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text))
