"""Ticket bytes as python-escpos sends them: GB18030 text, a large number, native GS ( k QR or a raster image
that really decodes to the ticket link, and the cut; control characters refused before printing."""

import pytest
import zxingcpp
from escpos.printer import Dummy
from PIL import Image

from hardware.config import PrinterConfig
from hardware.ticket import SAMPLE_TICKET, Ticket, TicketError, render_ticket, ticket_from_json

GS_QR = b"\x1d(k"
GS_RASTER = b"\x1dv0"
FULL_CUT = b"\x1dV\x00"
URL = "https://linli.example.org/t/Xk3p9QaL"


def printed(ticket: Ticket = SAMPLE_TICKET, profile: str = "TM-T20II", **options: object) -> bytes:
    printer = Dummy(profile=profile)
    render_ticket(printer, ticket, PrinterConfig(kind="file", path="-", profile=profile, **options))
    return printer.output


def raster_images(data: bytes) -> list[Image.Image]:
    """Decode every GS v 0 raster block back into a picture."""
    images = []
    start = data.find(GS_RASTER)
    while start >= 0:
        width_bytes = int.from_bytes(data[start + 4 : start + 6], "little")
        height = int.from_bytes(data[start + 6 : start + 8], "little")
        bits = data[start + 8 : start + 8 + width_bytes * height]
        image = Image.frombytes("1", (width_bytes * 8, height), bytes(b ^ 0xFF for b in bits))
        images.append(image)
        start = data.find(GS_RASTER, start + 8 + len(bits))
    return images


def test_chinese_text_is_gb18030_and_the_number_is_large():
    data = printed()
    assert data.startswith(b"\x1b@")  # ESC @: a known state first
    for text in (
        "幸福里社区",
        "报修：楼道灯不亮",
        "预约：11月30日 上午 9:00–11:00",
        "扫码查看进度 · Scan to follow",
    ):
        assert text.encode("gb18030") in data
    assert "幸福里社区".encode() not in data
    assert b"\x1d!\x22" in data  # GS ! : triple width and height
    assert data.index(b"\x1d!\x22") < data.index(b"B-0427") < data.index("报修".encode("gb18030"))
    assert b"Reported: corridor light out\n" in data


def test_body_text_is_large_on_both_paper_widths():
    """The title and lines are twice the normal size on 80 mm paper and twice as tall on 58 mm."""
    wide = printed(profile="TM-T20II")  # 80 mm
    assert wide.index(b"\x1d!\x11") < wide.index("报修".encode("gb18030"))  # GS ! : double width and height
    body = wide.index(b"Reported: corridor light out")
    assert wide.rfind(b"\x1d!\x11", 0, body) > wide.rfind(b"\x1b!\x00", 0, body)  # still large at the line
    assert b"\x1b!\x00" in wide[body : wide.index(b"Scan to follow")]  # the footer is normal size again
    narrow = printed(profile="POS-5890")  # 58 mm
    before = narrow[: narrow.index("预约".encode("gb18030"))]
    assert before.rfind(b"\x1b!\x10") > before.rfind(b"\x1d!\x22")  # ESC ! : double height, after the number


def test_native_qr_where_the_profile_has_it():
    data = printed(profile="TM-T20II")
    store = GS_QR + (len(URL) + 3).to_bytes(2, "little") + b"1P0" + URL.encode()
    assert store in data  # store the data: pL pH = len + 3, cn=49 fn=80 m=48
    assert GS_QR + b"\x03\x001Q0" in data  # print the symbol
    assert GS_QR + b"\x04\x001A2\x00" in data  # model 2
    assert GS_QR + b"\x03\x001E1" in data  # error correction M
    assert GS_RASTER not in data
    assert data.index(store) < data.rindex(FULL_CUT)
    assert data.endswith(FULL_CUT)


def test_image_qr_where_the_printer_has_none_and_it_decodes_to_the_link():
    data = printed(profile="POS-5890")  # a cheap 58 mm printer: no native QR, no cutter
    assert GS_QR not in data
    images = raster_images(data)
    assert len(images) == 1
    assert images[0].width <= 384
    results = zxingcpp.read_barcodes(images[0].convert("L"))
    assert [result.text for result in results] == [URL]


def test_qr_mode_can_be_forced():
    assert GS_RASTER in printed(profile="TM-T20II", qr="image")
    assert GS_QR in printed(profile="POS-5890", qr="native")


def test_cut_is_sent_when_the_printer_can_cut():
    assert printed(profile="TM-T20II").endswith(FULL_CUT)
    assert FULL_CUT not in printed(profile="POS-5890")


def test_gbk_option_and_punctuation_only_lines():
    ticket = Ticket(community="鄰里", number="A-1", title="「　」：", lines=("，。！",))
    data = printed(ticket, encoding="gbk")
    assert "鄰里".encode("gbk") in data
    assert "「　」：".encode("gbk") in data  # python-escpos alone would print these as "?"
    assert "，。！".encode("gbk") in data


def _body(**overrides: object) -> dict[str, object]:
    return {
        "community": "幸福里社区",
        "number": "B-0427",
        "title": "报修",
        "lines": ["3号楼"],
        "qr": URL,
        "footer": "",
        **overrides,
    }


def test_a_good_body_becomes_a_ticket():
    ticket = ticket_from_json(_body(extra="ignored"))
    assert ticket == Ticket("幸福里社区", "B-0427", "报修", ("3号楼",), URL, "")
    assert ticket_from_json({"community": "x", "number": "1", "title": "t"}).qr == ""


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (["not", "an", "object"], "body"),
        (_body(number="B 0427"), "number"),
        (_body(number=""), "number"),
        (_body(community=None), "community"),
        (_body(title="\x1d(k stored"), "title"),  # a printer command smuggled in a text
        (_body(lines=["ok", "\x1bi"]), "lines"),
        (_body(lines="not a list"), "lines"),
        (_body(lines=["x"] * 13), "lines"),
        (_body(footer="x" * 121), "footer"),
        (_body(qr="javascript:alert(1)"), "qr"),
        (_body(qr="https://例子.cn/t/1"), "qr"),
    ],
)
def test_bad_bodies_are_refused(body, field):
    with pytest.raises(TicketError) as error:
        ticket_from_json(body)
    assert error.value.field == field
