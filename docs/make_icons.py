"""Draw the app icons in static/icons/ (a white house with two doors on Linli blue): regular and maskable.

.venv/bin/python docs/make_icons.py
"""

from pathlib import Path

from PIL import Image, ImageDraw

BLUE = (26, 86, 168)
OUT = Path(__file__).resolve().parent.parent / "static" / "icons"


def draw(size: int, maskable: bool) -> Image.Image:
    """A maskable icon fills the square and keeps the house inside the central safe zone."""
    img = Image.new("RGB" if maskable else "RGBA", (size, size), BLUE if maskable else (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if not maskable:
        d.rounded_rectangle([0, 0, size - 1, size - 1], radius=size // 6, fill=BLUE)
    s = size * (0.55 if maskable else 0.7)
    ox = oy = (size - s) / 2
    d.polygon([(ox, oy + s * 0.45), (ox + s / 2, oy + s * 0.05), (ox + s, oy + s * 0.45)], fill="white")
    d.rectangle([ox + s * 0.15, oy + s * 0.42, ox + s * 0.85, oy + s * 0.95], fill="white")
    d.rectangle([ox + s * 0.25, oy + s * 0.62, ox + s * 0.42, oy + s * 0.95], fill=BLUE)
    d.rectangle([ox + s * 0.58, oy + s * 0.62, ox + s * 0.75, oy + s * 0.95], fill=BLUE)
    return img


if __name__ == "__main__":
    for size in (192, 512):
        draw(size, False).save(OUT / f"icon-{size}.png", optimize=True)
        draw(size, True).save(OUT / f"maskable-{size}.png", optimize=True)
    draw(180, True).save(OUT / "apple-touch-icon.png", optimize=True)
