import pytest

from webapp.infra.i18n import locale_from_accept_language


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ([("zh-CN", 1.0)], "zh_Hans"),
        ([("zh", 1.0)], "zh_Hans"),
        ([("zh-TW", 1.0)], "zh_Hant"),
        ([("zh-HK", 1.0)], "zh_Hant"),
        ([("zh-Hant-HK", 1.0)], "zh_Hant"),
        ([("zh-Hans-HK", 1.0)], "zh_Hans"),
        ([("en-GB", 1.0)], "en"),
        ([("fr", 1.0), ("en", 0.5)], "en"),
        ([("fr", 1.0)], None),
        ([], None),
    ],
)
def test_accept_language_maps_to_our_locales(header, expected):
    assert locale_from_accept_language(header) == expected
