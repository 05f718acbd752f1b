"""Draw the app's icons (a white shield with a tick on the brand green) into app/web/static.

    .venv/bin/python scripts/draw_icons.py

The SVG is written by hand below; the PNG and ICO files are drawn from the same shape with Pillow,
at four times the size and scaled down, so their edges are smooth.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

STATIC = Path(__file__).resolve().parent.parent / "app" / "web" / "static"
BRAND = "#0b5c3b"
SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="6" fill="#0b5c3b"/>
<path d="M16 5l9 3.5v6.5c0 6-4 10.5-9 12-5-1.5-9-6-9-12V8.5z" fill="#fff"/>
<path d="M11.5 16l3.2 3.2 6-6.4" fill="none" stroke="#0b5c3b" stroke-width="2.6"
 stroke-linecap="round" stroke-linejoin="round"/>
</svg>
"""


def _shield(n: int) -> list[tuple[float, float]]:
    """The shield's outline on a 32-unit grid: straight top, curved sides meeting at the bottom."""
    points = [(16, 5), (25, 8.5), (25, 15)]
    for i in range(1, n + 1):  # right side down to the tip
        t = i / n
        points.append((25 - 9 * t**2, 15 + 12 * t))
    for i in range(1, n + 1):  # left side back up
        t = i / n
        points.append((7 + 9 * (1 - t) ** 2, 15 + 12 * (1 - t)))
    points.append((7, 8.5))
    return points


def draw(size: int, *, rounded: bool = True) -> Image.Image:
    big = size * 4
    scale = big / 32
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=6 * scale if rounded else 0, fill=BRAND)
    pen.polygon([(x * scale, y * scale) for x, y in _shield(24)], fill="white")
    tick = [(11.5 * scale, 16 * scale), (14.7 * scale, 19.2 * scale), (20.7 * scale, 12.8 * scale)]
    pen.line(tick, fill=BRAND, width=round(2.6 * scale), joint="curve")
    for x, y in (tick[0], tick[2]):
        r = 1.3 * scale
        pen.ellipse((x - r, y - r, x + r, y + r), fill=BRAND)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    (STATIC / "favicon.svg").write_text(SVG, encoding="utf-8")
    draw(180, rounded=False).save(STATIC / "apple-touch-icon.png", optimize=True)
    draw(192).save(STATIC / "icon-192.png", optimize=True)
    draw(48).save(STATIC / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
    for name in ("favicon.svg", "favicon.ico", "apple-touch-icon.png", "icon-192.png"):
        print(name, (STATIC / name).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
