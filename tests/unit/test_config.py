import stat

import pytest

from webapp.config import Settings, normalise_database_url, read_or_create_key


def test_keys_are_created_once_with_owner_only_permissions(tmp_path):
    settings = Settings.from_env(tmp_path, env={})
    again = Settings.from_env(tmp_path, env={})
    assert settings.secret_key == again.secret_key
    assert settings.encryption_key == again.encryption_key
    assert settings.secret_key != settings.encryption_key
    for name in ("secret_key", "encryption_key"):
        mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
        assert mode == 0o600, name


def test_each_instance_gets_its_own_keys(tmp_path):
    a = read_or_create_key(tmp_path / "a" / "key")
    b = read_or_create_key(tmp_path / "b" / "key")
    assert a != b
    assert len(a) == 32


def test_environment_overrides_instance(tmp_path):
    env = {
        "DATABASE_URL": "postgres://u@localhost/db",
        "LINLI_SECRET_KEY": "s3cret",
        "LINLI_ENCRYPTION_KEY": "00" * 32,
        "LINLI_DEFAULT_LOCALE": "en",
        "LINLI_SECURE_COOKIES": "true",
    }
    settings = Settings.from_env(tmp_path, env=env)
    assert settings.database_url == "postgresql+psycopg://u@localhost/db"
    assert settings.secret_key == b"s3cret"
    assert settings.encryption_key == bytes(32)
    assert settings.default_locale == "en"
    assert settings.secure_cookies is True
    assert not (tmp_path / "secret_key").exists()


def test_default_database_is_sqlite_in_instance_folder(tmp_path):
    assert Settings.from_env(tmp_path, env={}).database_url == f"sqlite:///{tmp_path / 'linli.db'}"


def test_unknown_default_locale_is_refused(tmp_path):
    with pytest.raises(ValueError, match="LINLI_DEFAULT_LOCALE"):
        Settings.from_env(tmp_path, env={"LINLI_DEFAULT_LOCALE": "fr"})


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://a/b", "postgresql+psycopg://a/b"),
        ("postgresql+psycopg://a/b", "postgresql+psycopg://a/b"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_url_normalisation(given, expected):
    assert normalise_database_url(given) == expected


def _race(path, barrier, answers):
    barrier.wait()
    try:
        answers.put(read_or_create_key(path).hex())
    except Exception as error:  # noqa: BLE001 (the answer to compare)
        answers.put(repr(error))


def test_workers_starting_together_all_get_the_one_key(tmp_path):
    """gunicorn's workers make their app at the same moment on a first start: each must get the same whole
    key, and none may fail to boot (one did: the second O_EXCL create raised, and gunicorn stopped)."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    for attempt in range(15):
        path = tmp_path / str(attempt) / "secret_key"
        barrier, answers = context.Barrier(8), context.Queue()
        racers = [context.Process(target=_race, args=(path, barrier, answers)) for _ in range(8)]
        for racer in racers:
            racer.start()
        got = [answers.get(timeout=30) for _ in racers]
        for racer in racers:
            racer.join(30)
        assert len(set(got)) == 1, got
        assert len(bytes.fromhex(got[0])) == 32
        assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no half-made file left
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
