"""JSON rows: JSON Lines and JSON documents read into :class:`~dialogcls.readers.RawRow` tuples.

A malformed line costs that line, and the fields that can still be read are kept (``salvage_json``);
lone surrogates (``"\\ud800"``: not Unicode, cannot be written again) are replaced and reported.
Encodings, line splitting and the row type come from :mod:`dialogcls.readers`.

Example
-------
>>> import io
>>> from dialogcls.readers import LineSource
>>> lines = LineSource(io.BytesIO(b'{"text": "Hallo"}\\n[1]\\n'))
>>> [tuple(row) for row in jsonl_rows(lines, unpack=lambda value: None)]
[(1, {'text': 'Hallo'}, None), (2, None, 'a JSON line must be an object, not array')]
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterator

from .readers import FileProblem, LineSource, RawRow, decode_problem, detect_encoding

_SURROGATE = re.compile("[\ud800-\udfff]")
#: A ``\\uD800``-``\\uDFFF`` escape in JSON that is not half of a pair (emoji come as pairs).
_LONE_ESCAPE = (r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"
                r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}")
_ESCAPED_SURROGATE = re.compile(_LONE_ESCAPE.encode())
_ESCAPED_SURROGATE_TEXT = re.compile(_LONE_ESCAPE)
_JSON_PAIR = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null)')


def clean_surrogates(record: Any) -> tuple[Any, str | None]:
    """``record`` with lone surrogates (``"\\ud800"`` in JSON: not Unicode, cannot be written) replaced by
    U+FFFD, and the problem naming the first field that had one (None when there was none).

    Example
    -------
    >>> clean_surrogates({"text": "a\\ud800b", "n": 1})
    ({'text': 'a�b', 'n': 1}, "the field 'text' holds a lone surrogate (\\\\ud800), which is not Unicode")
    """
    found: list[str] = []

    def clean(value: Any, name: str) -> Any:
        if isinstance(value, str):
            match = _SURROGATE.search(value)
            if match is None:
                return value
            found.append(f"the field {name!r} holds a lone surrogate (\\u{ord(match.group()):04x}), which is not Unicode")
            return _SURROGATE.sub("\ufffd", value)
        if isinstance(value, dict):
            return {clean(key, name): clean(item, key if name == "" else name) for key, item in value.items()}
        if isinstance(value, list):
            return [clean(item, name) for item in value]
        return value

    cleaned = clean(record, "")
    return cleaned, (found[0] if found else None)


def salvage_json(text: str) -> dict:
    """The ``"key": scalar`` pairs of a malformed JSON object's text that can still be read.

    Example
    -------
    >>> salvage_json('{"id": "p7", "n": 3, "text": "unterminated')
    {'id': 'p7', 'n': 3}
    """
    salvaged: dict = {}
    for key, value in _JSON_PAIR.findall(text):
        try:
            salvaged.setdefault(json.loads(f'"{key}"'), json.loads(value))
        except (json.JSONDecodeError, RecursionError):
            continue
    return salvaged


def parse_json(text: str | bytes) -> tuple[Any, str | None]:
    """A JSON value and None, or None and the problem (malformed, too deeply nested)."""
    try:
        return json.loads(text), None
    except json.JSONDecodeError as error:
        return None, f"malformed JSON ({error.msg} at line {error.lineno} column {error.colno})"
    except RecursionError:
        return None, "the JSON is nested too deeply to read"


def jsonl_rows(source: LineSource, unpack: Any) -> Iterator[RawRow]:
    """Rows of a JSON Lines source. ``unpack(value)`` turns a parsed line into its records (one object,
    or the posts of a saved API page) or None when the value holds no records."""
    for line, text, problem in source:
        if not text.strip():
            continue
        if problem:
            yield RawRow(line, salvage_json(text), problem)
            continue
        value, problem = parse_json(text)
        if problem:
            yield RawRow(line, salvage_json(text), problem)
            continue
        plain = type(value) is dict and "data" not in value and "orderedItems" not in value
        records = [value] if plain else unpack(value)
        if records is None:
            yield RawRow(line, None, f"a JSON line must be an object, not {_json_kind(value)}")
            continue
        check = ("\\ud" in text or "\\uD" in text) and _ESCAPED_SURROGATE_TEXT.search(text) is not None
        for record in records:
            if check:
                record, problem = clean_surrogates(record)
            yield RawRow(line, record, problem)


def json_document_rows(data: bytes, encoding: str | None, unpack: Any) -> Iterator[RawRow]:
    """Rows of a whole JSON document (an array of posts, or an API response with a ``data`` list);
    their locations are post numbers. Raises :class:`FileProblem` when the document cannot be read."""
    name, bom = detect_encoding(data[:4096], encoding)
    try:
        text = data[bom:].decode(name)
    except UnicodeDecodeError as error:
        raise FileProblem(decode_problem(name, error).replace("of the line", "of the file")) from None
    value, problem = parse_json(text)
    if problem:
        raise FileProblem(problem)
    records = unpack(value)
    if records is None:
        raise FileProblem(f"the document is a JSON {_json_kind(value)}, not posts (an array of objects or "
                          "an object with a 'data' list)")
    check = _ESCAPED_SURROGATE.search(data) is not None
    for number, record in enumerate(records, 1):
        problem = None
        if check:
            record, problem = clean_surrogates(record)
        yield RawRow(number, record, problem)


def _json_kind(value: Any) -> str:
    return {list: "array", str: "string", bool: "true/false", type(None): "null", int: "number",
            float: "number", dict: "object"}.get(type(value), type(value).__name__)


__all__ = ["clean_surrogates", "salvage_json", "parse_json", "jsonl_rows", "json_document_rows"]
