"""Settings: one frozen object read from the environment over the instance folder."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent  # the checkout: templates, static, translations, instance

LOCALES = ("zh_Hans", "zh_Hant", "en")
DEFAULT_LOCALE = "zh_Hans"


def _truthy(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def read_or_create_key(path: Path, nbytes: int = 32) -> bytes:
    """Return the key stored at *path*, creating it with mode 0600 on first run.

    Keys live in the instance folder, never in the repository or the database, so that a
    copied database alone is worthless and a fresh clone never shares a key with another.
    The workers of a first start make their app at the same moment: the key is written whole to a file of its
    own and then linked into place, so exactly one process's key wins, every process reads that one, and none
    sees a half-written file (a second O_EXCL create failed the worker's boot, and gunicorn stopped).
    """
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(nbytes)
    fd, written = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(key.hex())
        try:
            os.link(written, path)
        except FileExistsError:  # another process was first: its key is the key
            return bytes.fromhex(path.read_text().strip())
        return key
    finally:
        os.unlink(written)


@dataclass(frozen=True)
class Settings:
    """Every setting the application reads; built once in create_app and never mutated."""

    instance_path: Path
    database_url: str
    secret_key: bytes
    encryption_key: bytes
    default_locale: str = DEFAULT_LOCALE
    secure_cookies: bool = False
    testing: bool = False
    demo_password: str | None = None
    base_url: str = "http://127.0.0.1:5000"  # printed on cards and hand-off QR codes
    log_sql: bool = False
    # Where throttles count failures: "database" (one box) or "redis" (several app servers; LINLI_REDIS_URL).
    throttle_store: str = "database"
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Proxies in front of the app (nginx: 1): their X-Forwarded-For gives the client's address to throttles.
    proxy_hops: int = 0
    # Who may read /metrics besides loopback: a bearer token for the monitoring box (empty: loopback only).
    metrics_token: str = ""
    # The job queue (webapp/jobs): empty for SqliteHuey in the instance folder (one box), redis://… for a
    # district (several workers); "immediate" runs each task in the caller (a test's synchronous mode).
    queue_url: str = ""
    queue_name: str = "linli"
    queue_lease: int = 60  # seconds a worker holds a message it is sending before another may take it over
    queue_workers: int = 2
    # Webhooks to plain http on a loopback address (a receiver on the same box: development and tests);
    # everywhere else a webhook must be HTTPS. Tests (testing=True) allow it too.
    webhook_loopback_http: bool = False
    # The daily backup the worker makes (webapp/jobs/backups.py): into this folder (empty: none scheduled),
    # sealed for the age public keys in the recipients file, else with the passphrase in the passphrase file;
    # the newest `backup_keep` archives are kept; made at the first hourly round from `backup_hour` (UTC).
    backup_dir: str = ""
    backup_recipients_file: str = ""
    backup_passphrase_file: str = ""
    backup_keep: int = 7
    backup_hour: int = 19  # 03:00 in China
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, instance_path: Path, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        instance_path.mkdir(parents=True, exist_ok=True)
        database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'linli.db'}"
        secret = env.get("LINLI_SECRET_KEY")
        enc = env.get("LINLI_ENCRYPTION_KEY")
        locale = env.get("LINLI_DEFAULT_LOCALE", DEFAULT_LOCALE)
        if locale not in LOCALES:
            raise ValueError(f"LINLI_DEFAULT_LOCALE must be one of {', '.join(LOCALES)}")
        return cls(
            instance_path=instance_path,
            database_url=normalise_database_url(database_url),
            secret_key=secret.encode() if secret else read_or_create_key(instance_path / "secret_key"),
            encryption_key=bytes.fromhex(enc)
            if enc
            else read_or_create_key(instance_path / "encryption_key"),
            default_locale=locale,
            secure_cookies=_truthy(env.get("LINLI_SECURE_COOKIES")),
            demo_password=env.get("LINLI_DEMO_PASSWORD") or None,
            log_sql=_truthy(env.get("LINLI_LOG_SQL")),
            throttle_store=env.get("LINLI_THROTTLE_STORE", "database"),
            redis_url=env.get("LINLI_REDIS_URL", "redis://127.0.0.1:6379/0"),
            proxy_hops=int(env.get("LINLI_PROXY_HOPS", "0") or 0),
            metrics_token=env.get("LINLI_METRICS_TOKEN", ""),
            base_url=env.get("LINLI_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
            queue_url=env.get("LINLI_QUEUE_URL", ""),
            queue_name=env.get("LINLI_QUEUE_NAME", "linli") or "linli",
            queue_lease=int(env.get("LINLI_QUEUE_LEASE", "60") or 60),
            queue_workers=int(env.get("LINLI_QUEUE_WORKERS", "2") or 2),
            webhook_loopback_http=_truthy(env.get("LINLI_WEBHOOK_LOOPBACK_HTTP")),
            backup_dir=env.get("LINLI_BACKUP_DIR", ""),
            backup_recipients_file=env.get("LINLI_BACKUP_RECIPIENTS_FILE", ""),
            backup_passphrase_file=env.get("LINLI_BACKUP_PASSPHRASE_FILE", ""),
            backup_keep=max(1, int(env.get("LINLI_BACKUP_KEEP", "7") or 7)),
            backup_hour=int(env.get("LINLI_BACKUP_HOUR", "19") or 19) % 24,
            # Where kiosk pages find their hardware bridge (hardware/; 8765 unless set).
            extra={"bridge_port": int(env["LINLI_BRIDGE_PORT"])} if env.get("LINLI_BRIDGE_PORT") else {},
        )

    @property
    def webhooks_may_use_loopback_http(self) -> bool:
        return self.webhook_loopback_http or self.testing

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        known = {k: v for k, v in overrides.items() if k in self.__dataclass_fields__}
        extra = {k: v for k, v in overrides.items() if k not in self.__dataclass_fields__}
        if "database_url" in known:
            known["database_url"] = normalise_database_url(known["database_url"])
        return replace(self, **known, extra={**self.extra, **extra})


def normalise_database_url(url: str) -> str:
    """Accept the common `postgres://` and `postgresql://` forms and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url
