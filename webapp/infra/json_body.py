"""JSON request bodies checked against a declared shape, the one way every JSON endpoint reads its body.

Why not `request.get_json()`: it hands a view whatever the client sent. `[1,2]` has no `.get`, `1e999999`
is infinity, and 5,000 nested objects raise RecursionError deep inside a library: each was a 500 (issue 14).
Here the body is parsed once (size, depth and finite numbers bounded), checked against the view's shape, and
anything else is a 400 with a translated JSON message. A view declares its shape next to its route:

    @json_body(Shape(version=Text(32), devices=Scalars(max_keys=20, nullable=True)))
    def heartbeat_view(body): ...

Unknown keys are dropped (browsers add fields to Web Push and WebAuthn objects over time); declared keys
must have their declared kind. Hand-written rather than pydantic: six small kinds cover every endpoint, and
the errors must be our translated words, not a library's.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

MAX_DEPTH = 8  # the deepest body any endpoint needs is a WebAuthn credential (3)


class BodyError(ValueError):
    """The body does not have the declared shape; `where` names the field (dotted path)."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where or 'body'}: {problem}")
        self.where = where
        self.problem = problem


@dataclass(frozen=True)
class Kind:
    required: bool = False
    nullable: bool = False

    def check(self, value: Any, where: str) -> Any:
        raise NotImplementedError


@dataclass(frozen=True)
class Text(Kind):
    max_length: int = 256

    def check(self, value: Any, where: str) -> Any:
        if not isinstance(value, str):
            raise BodyError(where, "text expected")
        if len(value) > self.max_length:
            raise BodyError(where, "too long")
        return value


@dataclass(frozen=True)
class Number(Kind):
    minimum: float = -(2**53)
    maximum: float = 2**53

    def check(self, value: Any, where: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise BodyError(where, "number expected")
        if not self.minimum <= value <= self.maximum:
            raise BodyError(where, "out of range")
        return value


@dataclass(frozen=True)
class Scalars(Kind):
    """An object of short names to text, numbers, true/false or null (a kiosk's device states)."""

    max_keys: int = 20
    max_length: int = 256

    def check(self, value: Any, where: str) -> Any:
        if not isinstance(value, dict):
            raise BodyError(where, "object expected")
        if len(value) > self.max_keys:
            raise BodyError(where, "too many entries")
        for key, item in value.items():
            if len(key) > 64 or not (item is None or isinstance(item, str | int | float | bool)):
                raise BodyError(f"{where}.{key[:64]}", "plain value expected")
            if isinstance(item, str) and len(item) > self.max_length:
                raise BodyError(f"{where}.{key[:64]}", "too long")
        return value


@dataclass(frozen=True)
class TextList(Kind):
    max_items: int = 16
    max_length: int = 64

    def check(self, value: Any, where: str) -> Any:
        if not isinstance(value, list) or len(value) > self.max_items:
            raise BodyError(where, "short list expected")
        return [Text(max_length=self.max_length).check(v, f"{where}[{i}]") for i, v in enumerate(value)]


@dataclass(frozen=True)
class Shape(Kind):
    """An object with declared fields; unknown fields are dropped."""

    fields: Mapping[str, Kind] = field(default_factory=dict)

    def __init__(self, required: bool = False, nullable: bool = False, **fields: Kind) -> None:
        object.__setattr__(self, "required", required)
        object.__setattr__(self, "nullable", nullable)
        object.__setattr__(self, "fields", fields)

    def check(self, value: Any, where: str = "") -> Any:
        if not isinstance(value, dict):
            raise BodyError(where, "object expected")
        checked: dict[str, Any] = {}
        for name, kind in self.fields.items():
            path = f"{where}.{name}" if where else name
            if name not in value:
                if kind.required:
                    raise BodyError(path, "missing")
                continue
            item = value[name]
            if item is None:
                if not kind.nullable:
                    raise BodyError(path, "may not be empty")
                checked[name] = None
                continue
            checked[name] = kind.check(item, path)
        return checked


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError("number out of range")
    return number


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _depth(value: Any) -> int:
    """How deeply *value* nests, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


def parse_body(raw: bytes, shape: Shape, max_bytes: int) -> dict[str, Any]:
    """The checked body; an empty body counts as `{}` (a beacon with nothing to say)."""
    if len(raw) > max_bytes:
        raise BodyError("", "too large")
    if not raw.strip():
        return shape.check({})
    try:
        value = json.loads(raw.decode("utf-8"), parse_float=_finite, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BodyError("", "not JSON") from exc
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**63:
        raise BodyError("", "object expected")
    if _depth(value) > MAX_DEPTH:
        raise BodyError("", "nested too deeply")
    return shape.check(value)


def refuse(error: BodyError) -> ResponseReturnValue:
    message = _("This request could not be read. Please reload the page and try again.")
    return jsonify(ok=False, message=message, error=message, field=error.where or None), 400


def json_body(
    shape: Shape, max_bytes: int = 20_000, refused: Callable[[BodyError], ResponseReturnValue] = refuse
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Check the request's JSON body against *shape* and pass it to the view as `body`; else *refused*'s
    answer (a JSON 400 unless the view says what a person should read instead)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            try:
                body = parse_body(request.get_data(cache=True), shape, max_bytes)
            except BodyError as error:
                return refused(error)
            return view(*args, body=body, **kwargs)

        wrapped.linli_json_shape = shape  # type: ignore[attr-defined]  # found by the property tests
        return wrapped

    return decorator
