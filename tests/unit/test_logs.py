import logging

from webapp.infra.logs import RedactTokens


def test_card_and_handoff_tokens_are_redacted(caplog):
    logger = logging.getLogger("werkzeug.test")
    logger.addFilter(RedactTokens())
    with caplog.at_level(logging.INFO, logger="werkzeug.test"):
        logger.info('127.0.0.1 - - "GET %s HTTP/1.1" 303 -', "/c/tih-mx-W_HzjYvONEQIHsK2X")
        logger.info('"GET /h/AbCdEfGhIjKlMnOpQrStUvWx HTTP/1.1" 303 -')
        logger.info('"GET /kiosk/ HTTP/1.1" 200 -')
    assert "tih-mx-W_HzjYvONEQIHsK2X" not in caplog.text
    assert "AbCdEfGhIjKlMnOpQrStUvWx" not in caplog.text
    assert "/c/…" in caplog.text
    assert "/kiosk/" in caplog.text


def test_an_api_key_in_a_query_string_is_redacted(caplog):
    logger = logging.getLogger("gunicorn.access.test")
    logger.addFilter(RedactTokens())
    with caplog.at_level(logging.INFO, logger="gunicorn.access.test"):
        logger.info('"GET /open311/v2/requests.json?api_key=linli_AbC123secret&status=open HTTP/1.1" 200')
    assert "linli_AbC123secret" not in caplog.text
    assert "api_key=…&status=open" in caplog.text
