"""Maps offsets in a cleaned text back to the original file, so every quote can be traced to its source bytes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OffsetMap:
    """`origin[i]` is the offset in the original text of character `i` of the derived text.

    One extra entry at the end holds the original offset just past the last character, so spans
    `[start, end)` map with `to_original(start)`/`to_original(end)`.

    `ends[i]`, when given, is the original offset just past the original text that character `i`
    stands for: a replacement shorter than what it replaces (OCR `ae` → `æ`) covers several original
    characters, and a span ending in it must reach past all of them. Without `ends`, each character
    stands for one original character (`origin[i] + 1`).
    """

    origin: tuple[int, ...]
    ends: tuple[int, ...] | None = None

    @classmethod
    def identity(cls, length: int) -> OffsetMap:
        """A map for text that was not changed."""
        return cls(tuple(range(length + 1)))

    def to_original(self, offset: int) -> int:
        """Original offset of derived offset `offset` (clamped to the ends)."""
        return self.origin[max(0, min(offset, len(self.origin) - 1))]

    def end_of(self, offset: int) -> int:
        """Original offset just past the original text that derived character `offset` stands for."""
        if self.ends is not None and 0 <= offset < len(self.ends):
            return self.ends[offset]
        return self.to_original(offset) + 1

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """Original span of the derived span `[start, end)`."""
        if end <= start:
            original = self.to_original(start)
            return original, original
        return self.to_original(start), self.end_of(end - 1)

    def then(self, inner: OffsetMap) -> OffsetMap:
        """Compose: `inner` maps a text derived from this map's derived text; result maps to our original."""
        origin = tuple(self.to_original(o) for o in inner.origin)
        if self.ends is None and inner.ends is None:
            return OffsetMap(origin)
        last = len(inner.origin) - 1  # the sentinel has no character, hence no end
        ends = tuple(
            max(self.end_of(inner.end_of(i) - 1), origin[i]) for i in range(last)
        )
        return OffsetMap(origin, ends)


class TextBuilder:
    """Builds a derived text piece by piece while recording where each character came from."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._origin: list[int] = []
        self._ends: list[int] = []
        self._widened = False  # some character stands for more than one original character

    def copy(self, source: str, start: int, end: int) -> None:
        """Append `source[start:end]` unchanged."""
        self._parts.append(source[start:end])
        self._origin.extend(range(start, end))
        self._ends.extend(range(start + 1, end + 1))

    def emit(self, text: str, origin_start: int, origin_end: int | None = None) -> None:
        """Append replacement `text` standing for the original span starting at `origin_start`."""
        if not text:
            return
        self._parts.append(text)
        if origin_end is None or origin_end - origin_start == len(text):
            span = origin_end - origin_start if origin_end is not None else 1
            origins = [origin_start + min(i, max(span - 1, 0)) for i in range(len(text))]
            ends = [o + 1 for o in origins]
        else:
            width = max(origin_end - origin_start, 1)
            origins = [origin_start + min(i * width // len(text), width - 1) for i in range(len(text))]
            # Each character covers the original up to where the next one starts; the last reaches the end.
            ends = [max(nxt, o + 1) for o, nxt in zip(origins, origins[1:] + [origin_start + width])]
            self._widened = self._widened or any(e != o + 1 for o, e in zip(origins, ends))
        self._origin.extend(origins)
        self._ends.extend(ends)

    def build(self, original_length: int) -> tuple[str, OffsetMap]:
        """The derived text and its map; the sentinel points just past the original's end."""
        end = self._ends[-1] if self._ends else 0
        origin = tuple(self._origin) + (min(end, original_length),)
        ends = tuple(min(e, original_length) for e in self._ends) if self._widened else None
        return "".join(self._parts), OffsetMap(origin, ends)
