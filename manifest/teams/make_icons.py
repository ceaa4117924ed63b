"""Draw the Teams app icons with the standard library only (zlib + struct PNG writer).

color.png: 192×192, a full-colour square (Teams rounds the corners itself) with a white mark.
outline.png: 32×32, the same mark in white on a transparent background (Teams requires
exactly white and transparent pixels).

    python manifest/teams/make_icons.py
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
BACKGROUND = (0x1F, 0x6F, 0xB5, 0xFF)  # a civic blue
WHITE = (0xFF, 0xFF, 0xFF, 0xFF)
CLEAR = (0, 0, 0, 0)
Pixel = tuple[int, int, int, int]


def png(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """An RGBA PNG (colour type 6, 8 bits), one unfiltered scanline per row."""
    raw = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _on_mark(u: float, v: float) -> bool:
    """A check mark in the unit square (u, v in 0..1): two thick strokes."""

    def near(ax: float, ay: float, bx: float, by: float, width: float) -> bool:
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((u - ax) * dx + (v - ay) * dy) / (dx * dx + dy * dy)))
        px, py = ax + t * dx, ay + t * dy
        return (u - px) ** 2 + (v - py) ** 2 <= width * width

    return near(0.22, 0.52, 0.42, 0.72, 0.07) or near(0.42, 0.72, 0.80, 0.30, 0.07)


def colour_icon(size: int = 192) -> bytes:
    return png(size, size, lambda x, y: WHITE if _on_mark(x / size, y / size) else BACKGROUND)


def outline_icon(size: int = 32) -> bytes:
    return png(size, size, lambda x, y: WHITE if _on_mark(x / size, y / size) else CLEAR)


def main() -> None:
    (HERE / "color.png").write_bytes(colour_icon())
    (HERE / "outline.png").write_bytes(outline_icon())


if __name__ == "__main__":
    main()
