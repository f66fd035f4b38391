"""Write tests/data/release-<revision>.json.gz: the demo community as the released schema holds it (issue 20).

Run at a release (its head revision is the name): `python tests/data/make_release_fixture.py`. The upgrade
test loads it into a database migrated to that revision, then upgrades to today's head. Rows are stored by
column name with their types tagged, so the same file loads into SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import sys
import tempfile
from pathlib import Path

from sqlalchemy import MetaData, select
from sqlalchemy.orm import Session

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))


def encode(value: object) -> object:
    if isinstance(value, bytes | memoryview):
        return {"$b": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$t": value.isoformat()}
    return value


def main() -> None:
    from tests.conftest import DEMO_PASSWORD, DEMO_PIN, TODAY, VAULT
    from webapp import migrations
    from webapp.content.demo import seed_demo
    from webapp.infra.db import make_engine

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/release.db")
        migrations.upgrade(engine)
        revision = migrations.current_revision(engine)
        with Session(engine) as session:
            seed_demo(session, DEMO_PASSWORD, TODAY, VAULT, DEMO_PIN)
            session.commit()
        meta = MetaData()
        meta.reflect(engine)
        tables: dict[str, list[dict[str, object]]] = {}
        with engine.connect() as connection:
            for table in meta.sorted_tables:
                if table.name == "alembic_version":
                    continue
                rows = connection.execute(select(table)).mappings().all()
                tables[table.name] = [{k: encode(v) for k, v in row.items()} for row in rows]
        engine.dispose()
    out = HERE / f"release-{revision}.json.gz"
    payload = {"revision": revision, "seeded_for": TODAY.isoformat(), "tables": tables}
    out.write_bytes(gzip.compress(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode(), mtime=0))
    print(
        f"{out.name}: {sum(len(r) for r in tables.values())} rows in {len(tables)} tables, {out.stat().st_size} bytes"
    )


if __name__ == "__main__":
    main()
