"""The inline SVG QR must decode to exactly what it encodes: rasterise our own path and read it back."""

import re

import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from webapp.shared.qr import qr_svg

RUN = re.compile(r"M(\d+) (\d+)h(\d+)v1h-\d+z")


def rasterise(svg: str, scale: int = 6) -> Image.Image:
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    image = Image.new("L", (size * scale, size * scale), 255)
    pixels = image.load()
    for x, y, width in RUN.findall(svg):
        for px in range(int(x) * scale, (int(x) + int(width)) * scale):
            for py in range(int(y) * scale, (int(y) + 1) * scale):
                pixels[px, py] = 0
    return image


def decode(svg: str) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(rasterise(svg))]


def test_card_url_round_trips():
    url = "https://linli.example/c/Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA"
    assert decode(qr_svg(url, "card")) == [url]


def test_svg_has_text_alternative_and_no_inline_style():
    svg = qr_svg("https://x.example/t/B-0427", 'Ticket "B-0427" <QR>')
    assert 'role="img"' in svg
    assert 'aria-label="Ticket &#34;B-0427&#34; &lt;QR&gt;"' in svg
    assert "style=" not in svg


@settings(max_examples=25, deadline=None)
@given(
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_/:.",
        min_size=1,
        max_size=120,
    )
)
def test_any_ascii_payload_round_trips(payload):
    assert decode(qr_svg(payload, "qr")) == [payload]
