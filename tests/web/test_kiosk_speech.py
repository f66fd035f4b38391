"""Server-side read-aloud for kiosks whose browser has no voice."""

import os
import shutil

import pytest

from tests.conftest import csrf_token

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None and os.environ.get("CI") != "true",
    reason="espeak-ng is not installed (apt-get install espeak-ng); CI installs it",
)


@needs_espeak
def test_speech_returns_wav_in_each_language(kiosk_client):
    token = csrf_token(kiosk_client, "/kiosk/")
    for lang, text in (("zh-Hans", "请刷居民卡"), ("zh-Hant", "請刷居民卡"), ("en", "Please scan your card")):
        response = kiosk_client.post("/kiosk/speech", data={"csrf_token": token, "text": text, "lang": lang})
        assert response.status_code == 200
        assert response.mimetype == "audio/wav"
        assert response.data[:4] == b"RIFF"
        assert response.headers["Cache-Control"] == "no-store"


def test_empty_text_is_a_404_not_a_500(kiosk_client):
    token = csrf_token(kiosk_client, "/kiosk/")
    assert kiosk_client.post("/kiosk/speech", data={"csrf_token": token, "text": "  "}).status_code == 404


def test_speech_is_kiosk_only(client):
    """A well-formed request (a valid CSRF token) from a browser that is not a paired kiosk: sent to pairing."""
    token = csrf_token(client, "/")
    refused = client.post("/kiosk/speech", data={"csrf_token": token, "text": "x"})
    assert refused.status_code == 302
    assert refused.headers["Location"] == "/kiosk/pair"
    assert refused.mimetype != "audio/wav"
