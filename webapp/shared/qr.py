"""QR codes as small inline SVG: no image files, no inline style, crisp at any size and print.

qrcode is imported when a code is drawn (it brings Pillow's image module): few pages show one.
"""

from __future__ import annotations

from markupsafe import escape


def qr_matrix(data: str, border: int = 4) -> list[list[bool]]:
    """Return the module matrix of *data* with a quiet zone; ASCII data keeps wedge scanners exact."""
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def qr_svg(data: str, label: str) -> str:
    """Render *data* as an SVG with a white quiet zone and a text alternative for screen readers.

    Each dark run of a row becomes one rectangle in a single path, which keeps a card-link
    QR around 2 KB of markup.
    """
    matrix = qr_matrix(data)
    size = len(matrix)
    parts: list[str] = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                parts.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return (
        f'<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'role="img" aria-label="{escape(label)}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(parts)}"/></svg>'
    )
