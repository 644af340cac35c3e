"""JSON rows: JSON Lines and JSON documents read into :class:`~dialogcls.readers.RawRow` tuples, and
table rows written as JSON Lines (:func:`json_lines`).

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
from json.encoder import encode_basestring
from typing import Any, Iterator, Sequence

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


def json_default(value: Any) -> Any:
    """What the writers put in JSON for a value JSON has no type for: numpy values as Python ones,
    bytes as UTF-8 text, dates in ISO 8601, anything else as its ``str``."""
    import numpy as np

    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


#: One value as JSON, as every output writes it: UTF-8 as it is, other types by :func:`json_default`.
#: One encoder for all calls (``json.dumps`` with options builds a new one per call); ``encode``
#: keeps no state between calls, so threads may share it.
to_json = json.JSONEncoder(ensure_ascii=False, default=json_default).encode


def json_lines(keys: Sequence[Any], columns: Sequence[list[Any]],
               absent: Sequence[tuple[Any, ...]] | None = None) -> str:
    """Rows given by column (``columns[j][i]``: row ``i``'s value of ``keys[j]``) as JSON Lines, each
    line what ``to_json(dict(zip(keys, row)))`` gives, without ``absent[i]``'s keys in row ``i``.

    Column by column: each value is encoded once by a routine for its column's type, and a line is a
    join of the row's parts, which is several times faster than building and encoding a dict per row.

    Example
    -------
    >>> json_lines(["id", "cues"], [[1, None], [["thanks"], []]], absent=[(), ("cues",)])
    '{"id": 1, "cues": ["thanks"]}\\n{"id": null}\\n'
    """
    if not all(type(key) is str for key in keys):  # JSON's key conversions (1 -> "1") stay the encoder's
        records = [dict(zip(keys, row)) for row in zip(*columns)]
        for record, fields in zip(records, absent or ()):
            for name in fields:
                del record[name]
        return "".join([to_json(record) + "\n" for record in records])
    parts = [[prefix + value for value in _encoded(column)]
             for prefix, column in zip([encode_basestring(key) + ": " for key in keys], columns)]
    lines = ["{" + ", ".join(row) + "}\n" for row in zip(*parts)]
    for i, fields in enumerate(absent or ()):
        if fields:
            lines[i] = "{" + ", ".join(column[i] for key, column in zip(keys, parts) if key not in fields) + "}\n"
    return "".join(lines)


_JSON_CONSTANTS = {None: "null", True: "true", False: "false"}


def _encoded(values: list[Any]) -> list[str]:
    """Each value as JSON: strings, integers, true/false, finite floats, None and lists of strings by
    direct routines, everything else by :data:`to_json`; the same text as the encoder gives."""
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if kinds <= {str}:
        return ["null" if value is None else encode_basestring(value) for value in values]
    if kinds <= {int}:
        return ["null" if value is None else int.__repr__(value) for value in values]
    if kinds <= {bool}:
        return [_JSON_CONSTANTS[value] for value in values]
    if kinds <= {float, int} and all(value is None or value - value == 0 for value in values):  # no inf, no nan
        return ["null" if value is None else type(value).__repr__(value) for value in values]
    if kinds <= {list, tuple} and all(value is None or all(type(item) is str for item in value) for value in values):
        return ["null" if value is None else "[" + ", ".join(map(encode_basestring, value)) + "]" for value in values]
    return [to_json(value) for value in values]


def _json_kind(value: Any) -> str:
    return {list: "array", str: "string", bool: "true/false", type(None): "null", int: "number",
            float: "number", dict: "object"}.get(type(value), type(value).__name__)


__all__ = ["clean_surrogates", "salvage_json", "parse_json", "jsonl_rows", "json_document_rows", "json_default",
           "to_json", "json_lines"]
