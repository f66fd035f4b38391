"""A service ticket on a receipt: community, large ticket number, what and when in the resident's language,
a QR linking to the ticket, cut.

Chinese text goes out as GB18030 (or GBK for printers that only know that subset). python-escpos switches to
GB18030 only for lines with an ideograph in U+4E00–U+9FA5, so a line of full-width punctuation or a rarer
character would come out as "?"; any non-ASCII line is therefore encoded here. Control characters are
refused at the door: inside a text they would be printer commands.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import qrcode
from escpos.constants import QR_ECLEVEL_M
from escpos.escpos import Escpos

from hardware.config import PrinterConfig

NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,15}")
QR_URL = re.compile(r"https?://[\x21-\x7e]+")
LIMITS = {"community": 60, "title": 80, "line": 120, "footer": 120, "qr": 512}
MAX_LINES = 12
FALLBACK_WIDTH_PX = 384  # 58 mm paper, the narrowest common printer
WIDE_PAPER_PX = 512  # 80 mm paper (512-576 dots)


class TicketError(ValueError):
    """A ticket field is missing, of the wrong type, too long or holds control characters."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        super().__init__(f"{field}: {problem}")


@dataclass(frozen=True)
class Ticket:
    """What the kiosk page asks to print."""

    community: str
    number: str
    title: str
    lines: tuple[str, ...] = ()
    qr: str = ""
    footer: str = ""


def _text(body: dict[str, Any], field: str, limit: int, required: bool) -> str:
    value = body.get(field, None if required else "")
    if not isinstance(value, str):
        raise TicketError(field, "must be a string")
    return _checked(field, value, limit, required)


def _checked(field: str, value: str, limit: int, required: bool) -> str:
    if required and not value.strip():
        raise TicketError(field, "must not be empty")
    if len(value) > limit:
        raise TicketError(field, f"longer than {limit} characters")
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise TicketError(field, "control characters are not allowed")
    return value


def ticket_from_json(body: object) -> Ticket:
    """Check the ``POST /print`` body; unknown keys are ignored so the page may send more later."""
    if not isinstance(body, dict):
        raise TicketError("body", "must be a JSON object")
    number = _text(body, "number", 16, required=True)
    if not NUMBER.fullmatch(number):
        raise TicketError("number", "letters, digits and dashes only")
    lines = body.get("lines", [])
    if not isinstance(lines, list) or len(lines) > MAX_LINES or not all(isinstance(x, str) for x in lines):
        raise TicketError("lines", f"must be a list of at most {MAX_LINES} strings")
    qr = _text(body, "qr", LIMITS["qr"], required=False)
    if qr and not QR_URL.fullmatch(qr):
        raise TicketError("qr", "must be an http(s) URL in ASCII")
    return Ticket(
        community=_text(body, "community", LIMITS["community"], required=True),
        number=number,
        title=_text(body, "title", LIMITS["title"], required=True),
        lines=tuple(_checked("lines", line, LIMITS["line"], required=False) for line in lines),
        qr=qr,
        footer=_text(body, "footer", LIMITS["footer"], required=False),
    )


def write_text(printer: Escpos, text: str, encoding: str = "gb18030") -> None:
    """Print one line: ASCII through python-escpos, anything else as GB18030/GBK bytes."""
    if text.isascii():
        printer.textln(text)
    else:
        printer._raw(text.encode(encoding, errors="replace") + b"\n")


def uses_native_qr(printer: Escpos, mode: str) -> bool:
    """Native ``GS ( k`` when asked, or when "auto" and the printer profile says it has it."""
    if mode == "native":
        return True
    if mode == "image":
        return False
    return bool(printer.profile.supports("qrCode"))


def _media_width(printer: Escpos) -> int:
    try:
        return int(printer.profile.profile_data["media"]["width"]["pixels"])
    except (KeyError, TypeError, ValueError):
        return FALLBACK_WIDTH_PX


def print_qr(printer: Escpos, url: str, mode: str, module: int) -> None:
    """The ticket link as a QR code: the printer's own if it has one, else a raster image we draw."""
    printer.set(align="center")
    if uses_native_qr(printer, mode):
        printer.qr(url, ec=QR_ECLEVEL_M, size=module, native=True)
        printer.ln()
        return
    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    width = _media_width(printer)
    modules = code.modules_count + 2 * code.border
    box = max(1, min(module, (width * 2 // 3) // modules))
    code.box_size = box
    image = code.make_image().get_image().convert("1")
    printer.image(image, center=image.width < width)
    printer.ln()


def render_ticket(printer: Escpos, ticket: Ticket, config: PrinterConfig) -> None:
    """Send the whole ticket to ``printer`` and cut."""
    printer.hw("INIT")
    printer.set(align="center", bold=True, normal_textsize=True)
    write_text(printer, ticket.community, config.encoding)
    printer.set(align="center", bold=True, custom_size=True, width=3, height=3)
    write_text(printer, ticket.number, config.encoding)
    # The body is read by older eyes: double size on 80 mm paper, double height on 58 mm (where double width
    # would leave 8 Chinese characters a line).
    wide = _media_width(printer) >= WIDE_PAPER_PX
    body = {"custom_size": True, "width": 2, "height": 2} if wide else {"double_height": True}
    printer.set(align="center", bold=True, **body)
    write_text(printer, ticket.title, config.encoding)
    printer.set(align="left", bold=False, **body)
    for line in ticket.lines:
        write_text(printer, line, config.encoding)
    if ticket.qr:
        printer.ln()
        print_qr(printer, ticket.qr, config.qr, config.qr_size)
    if ticket.footer:
        printer.set(align="center", bold=False, normal_textsize=True)
        write_text(printer, ticket.footer, config.encoding)
    printer.cut()


SAMPLE_TICKET = Ticket(
    community="幸福里社区",
    number="B-0427",
    title="报修：楼道灯不亮",
    lines=("3号楼2单元", "预约：11月30日 上午 9:00–11:00", "Reported: corridor light out"),
    qr="https://linli.example.org/t/Xk3p9QaL",
    footer="扫码查看进度 · Scan to follow",
)
