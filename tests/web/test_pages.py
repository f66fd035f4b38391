"""The three faces render in all three locales, and the locale is chosen in the documented order."""

import pytest

from tests.conftest import csrf_token

LOCALE_TEXT = {
    "zh_Hans": ("zh-Hans", "请刷居民卡开始", "欢迎来到桂花社区"),
    "zh_Hant": ("zh-Hant", "請刷居民卡開始", "歡迎來到桂花社區"),
    "en": ("en", "Scan your card to start", "Welcome to Osmanthus Community"),
}


@pytest.mark.parametrize("locale", list(LOCALE_TEXT))
def test_faces_render_in_every_locale(kiosk_client, locale):
    client = kiosk_client
    lang, kiosk_text, phone_text = LOCALE_TEXT[locale]
    client.set_cookie("linli_locale", locale)
    kiosk = client.get("/kiosk/").get_data(as_text=True)
    assert f'<html lang="{lang}"' in kiosk
    assert kiosk_text in kiosk
    phone = client.get("/").get_data(as_text=True)
    assert f'<html lang="{lang}"' in phone
    assert phone_text in phone
    staff = client.get("/staff/", follow_redirects=True)
    assert staff.status_code == 200
    assert f'<html lang="{lang}"' in staff.get_data(as_text=True)


def test_default_locale_is_simplified_chinese(client):
    assert '<html lang="zh-Hans"' in client.get("/").get_data(as_text=True)


def test_accept_language_is_used_without_a_choice(client):
    page = client.get("/", headers={"Accept-Language": "zh-TW,zh;q=0.9"}).get_data(as_text=True)
    assert '<html lang="zh-Hant"' in page


def test_switch_cookie_beats_accept_language(client):
    client.set_cookie("linli_locale", "en")
    page = client.get("/", headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    assert '<html lang="en"' in page


def test_saved_preference_beats_cookie(client, auth, make_staff, session):
    user = make_staff("anna")
    user.preferred_locale = "zh_Hant"
    session.commit()
    auth.sign_in("anna")
    client.set_cookie("linli_locale", "en")
    assert '<html lang="zh-Hant"' in client.get("/staff/").get_data(as_text=True)


def test_language_switch_sets_cookie_and_returns(kiosk_client):
    client = kiosk_client
    token = csrf_token(client, "/kiosk/")
    response = client.post("/prefs", data={"csrf_token": token, "locale": "en", "next": "/kiosk/start"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/kiosk/start"
    assert '<html lang="en"' in client.get("/kiosk/start").get_data(as_text=True)


def test_language_switch_saves_a_signed_in_preference(client, auth, make_staff, session):
    user = make_staff("anna")
    auth.sign_in("anna")
    token = csrf_token(client, "/staff/")
    client.post("/prefs", data={"csrf_token": token, "locale": "zh_Hant", "next": "/staff/"})
    session.refresh(user)
    assert user.preferred_locale == "zh_Hant"


def test_text_size_and_contrast_are_remembered(kiosk_client):
    client = kiosk_client
    token = csrf_token(client, "/")
    client.post("/prefs", data={"csrf_token": token, "text_size": "2", "next": "/"})
    client.post("/prefs", data={"csrf_token": token, "contrast": "1", "next": "/"})
    page = client.get("/kiosk/").get_data(as_text=True)
    assert 'class="theme-kiosk text-2 contrast-high"' in page
    client.post("/prefs", data={"csrf_token": token, "contrast": "0", "text_size": "9", "next": "/"})
    assert 'class="theme-kiosk text-2"' in client.get("/kiosk/").get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_switch_is_not_an_open_redirect(client, target):
    token = csrf_token(client, "/")
    response = client.post("/prefs", data={"csrf_token": token, "locale": "en", "next": target})
    assert response.headers["Location"] == "/"


def test_design_gallery_for_each_theme(client):
    assert "theme-kiosk" in client.get("/design/kiosk").get_data(as_text=True)
    assert "theme-phone" in client.get("/design/phone").get_data(as_text=True)
    assert client.get("/design/tv").status_code == 404
