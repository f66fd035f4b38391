"""URL rules shared by every face."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

from webapp.infra.numbers import MAX_ID


class DatabaseInt(IntegerConverter):
    """`<int:…>` URL parts within PostgreSQL's integer range: anything larger matches no route."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)
