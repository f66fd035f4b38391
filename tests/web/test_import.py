"""Spreadsheet import: 5,000 rows with 20 bad ones reports exactly those and imports nothing; clean, all."""

import csv
import io
import re
from datetime import date

from sqlalchemy import func, select

from tests.conftest import csrf_token
from webapp.domain.identity.numbers import check_char
from webapp.models import AuditEntry, Resident, Role

HEADER = ["姓名", "楼幢", "单元", "房号", "出生日期", "身份证号", "手机", "独居", "残疾", "语言", "已同意"]
BAD_ROWS = {  # spreadsheet row number -> how it is broken
    7: ("身份证号", "bad check"),
    150: ("手机", "12345"),
    333: ("楼幢", "9"),
    999: ("出生日期", "1950-13-45"),
    1000: ("独居", "maybe"),
    1200: ("已同意", "否"),
    1500: ("身份证号", "short"),
    1800: ("姓名", ""),
    2100: ("身份证号", "duplicate"),
    2500: ("手机", "1380013800"),
    2600: ("楼幢", "abc"),
    2900: ("残疾", "?"),
    3100: ("出生日期", "yesterday"),
    3300: ("身份证号", "bad check"),
    3500: ("手机", "+1 555 0100"),
    3700: ("独居", "2"),
    3900: ("姓名", "   "),
    4200: ("身份证号", "short"),
    4600: ("楼幢", "3"),
    5001: ("出生日期", "2999-01-01"),
}


def id_number(n: int) -> str:
    first17 = f"330106{1930 + n % 60}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    first17 = f"33{n // 1000:02d}06" + first17[6:]
    return first17 + check_char(first17)


def rows(count: int = 5000, broken: bool = True) -> list[list[str]]:
    out = []
    for i in range(count):
        n = i + 1
        birth = f"{1930 + n % 60}-{1 + n % 12:02d}-{1 + n % 28:02d}"
        row = [
            f"居民{n:05d}",
            str(1 + n % 2),
            str(1 + n % 2),
            f"{1 + n % 6}0{1 + n % 2}",
            birth,
            id_number(n),
            f"139{n:08d}",
            "是" if n % 7 == 0 else "否",
            "否",
            "zh_Hans",
            "是",
        ]
        out.append(row)
    if broken:
        for number, (column, value) in BAD_ROWS.items():
            row = out[number - 2]
            col = HEADER.index(column)
            if value == "bad check":
                good = row[col]
                row[col] = good[:17] + ("0" if good[17] != "0" else "1")
            elif value == "duplicate":
                row[col] = out[0][col]
            elif column == "已同意" and value == "否":
                row[col] = "否"
                row[HEADER.index("独居")] = "是"  # a sensitive fact without consent
            else:
                row[col] = value
    return out


def as_csv(table: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(table)
    return buffer.getvalue().encode("utf-8-sig")


def upload(client, content: bytes, name: str = "residents.csv"):
    token = csrf_token(client, "/staff/residents/import")
    return client.post(
        "/staff/residents/import",
        data={"csrf_token": token, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def count_residents(session) -> int:
    return session.scalar(select(func.count(Resident.id)))


def test_bad_rows_are_reported_exactly_and_nothing_is_imported(client, auth, make_staff, session):
    make_staff("clerk", Role.COMMUNITY_WORKER)
    auth.sign_in("clerk")
    client.set_cookie("linli_locale", "en")
    before = count_residents(session)
    response = upload(client, as_csv(rows()))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    reported = {int(n) for n in re.findall(r"<tr><td>(\d+)</td>", html)}
    assert reported == set(BAD_ROWS)
    assert "20 rows need fixing. Nothing was imported." in html
    assert "This ID number is not valid. Please check each digit." in html
    assert "There is no such building in this community." in html
    assert count_residents(session) == before


def test_clean_file_imports_every_row_after_confirmation(client, auth, make_staff, session):
    make_staff("clerk", Role.COMMUNITY_WORKER)
    auth.sign_in("clerk")
    client.set_cookie("linli_locale", "en")
    before = count_residents(session)
    preview = upload(client, as_csv(rows(broken=False)))
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "5000 residents are ready to import" in html
    assert count_residents(session) == before  # nothing saved at preview
    key = re.search(r'name="key" value="([^"]+)"', html).group(1)
    done = client.post(
        "/staff/residents/import/confirm",
        data={"csrf_token": csrf_token(client, "/staff/residents"), "key": key},
    )
    assert done.status_code == 303
    assert count_residents(session) == before + 5000
    imported = session.scalar(select(Resident).where(Resident.name == "居民00007"))
    assert imported.lives_alone
    assert imported.household.label.startswith("2-2-")
    assert imported.id_number_last4 == id_number(7)[-4:]
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "resident.import")).detail == {
        "count": 5000
    }
    again = client.post(
        "/staff/residents/import/confirm",
        data={"csrf_token": csrf_token(client, "/staff/residents"), "key": key},
    )
    assert again.status_code == 400  # a confirmation cannot be replayed


def test_xlsx_and_unreadable_files(client, auth, make_staff, session):
    from openpyxl import Workbook

    make_staff("clerk", Role.COMMUNITY_WORKER)
    auth.sign_in("clerk")
    client.set_cookie("linli_locale", "en")
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["王小明", 1, 1, "101", date(1950, 1, 2), "", "", "否", "否", "", "是"])
    buffer = io.BytesIO()
    book.save(buffer)
    ok = upload(client, buffer.getvalue(), "register.xlsx")
    assert "1 residents are ready to import" in ok.get_data(as_text=True)
    pdf = upload(client, b"%PDF-1.4 not a sheet", "register.xlsx")
    assert pdf.status_code == 400
    assert "Please upload a CSV or XLSX file" in pdf.get_data(as_text=True)
    no_name = upload(client, b"a,b\n1,2\n", "x.csv")
    assert "one of them must be 姓名" in no_name.get_data(as_text=True)
