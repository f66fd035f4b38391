"""A fresh instance without a community (issue 16): the console says how to set Linli up, in the
reader's language, instead of failing or showing an empty console."""

import pytest

from webapp import create_app, migrations
from webapp.infra.db import database


@pytest.fixture
def empty_app(databases, tmp_path):
    application = create_app(
        {"database_url": databases.new("empty"), "instance_path": tmp_path, "testing": True}
    )
    migrations.upgrade(database(application).engine)
    yield application
    database(application).engine.dispose()


@pytest.mark.parametrize(
    ("language", "words"),
    [("zh-CN", "邻里还没有设置好"), ("zh-TW", "鄰里還沒有設定好"), ("en", "Linli is not set up yet")],
)
@pytest.mark.parametrize("url", ["/staff/", "/staff/sign-in"])
def test_console_on_a_fresh_database_says_how_to_set_up(empty_app, url, language, words):
    response = empty_app.test_client().get(url, headers={"Accept-Language": language})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert words in page
    assert "flask --app wsgi setup" in page
    assert 'name="password"' not in page  # no sign-in form: no account can exist yet
