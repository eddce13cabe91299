"""Maps offsets in a cleaned text back to the original file, so every quote can be traced to its source bytes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OffsetMap:
    """`origin[i]` is the offset in the original text of character `i` of the derived text.

    One extra entry at the end holds the original offset just past the last character, so spans
    `[start, end)` map with `to_original(start)`/`to_original(end)`.
    """

    origin: tuple[int, ...]

    @classmethod
    def identity(cls, length: int) -> OffsetMap:
        """A map for text that was not changed."""
        return cls(tuple(range(length + 1)))

    def to_original(self, offset: int) -> int:
        """Original offset of derived offset `offset` (clamped to the ends)."""
        return self.origin[max(0, min(offset, len(self.origin) - 1))]

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """Original span of the derived span `[start, end)`."""
        if end <= start:
            original = self.to_original(start)
            return original, original
        return self.to_original(start), self.to_original(end - 1) + 1

    def then(self, inner: OffsetMap) -> OffsetMap:
        """Compose: `inner` maps a text derived from this map's derived text; result maps to our original."""
        return OffsetMap(tuple(self.to_original(o) for o in inner.origin))


class TextBuilder:
    """Builds a derived text piece by piece while recording where each character came from."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._origin: list[int] = []

    def copy(self, source: str, start: int, end: int) -> None:
        """Append `source[start:end]` unchanged."""
        self._parts.append(source[start:end])
        self._origin.extend(range(start, end))

    def emit(self, text: str, origin_start: int, origin_end: int | None = None) -> None:
        """Append replacement `text` standing for the original span starting at `origin_start`."""
        if not text:
            return
        self._parts.append(text)
        if origin_end is None or origin_end - origin_start == len(text):
            span = origin_end - origin_start if origin_end is not None else 1
            self._origin.extend(origin_start + min(i, max(span - 1, 0)) for i in range(len(text)))
        else:
            width = max(origin_end - origin_start, 1)
            self._origin.extend(origin_start + min(i * width // len(text), width - 1) for i in range(len(text)))

    def build(self, original_length: int) -> tuple[str, OffsetMap]:
        """The derived text and its map; the sentinel points just past the original's end."""
        end = (self._origin[-1] + 1) if self._origin else 0
        return "".join(self._parts), OffsetMap(tuple(self._origin) + (min(end, original_length),))
