"""Rows out of files: encodings, delimiters, and bad rows that cost one row and keep what was readable.

Every reader yields :class:`RawRow` tuples ``(location, record, problem)``: the line (or, for a
JSON document, the post number), the fields that could be read, and what is wrong with the row
(None for a good row). A bad row never takes other rows with it: an unclosed CSV quote costs the
line it opens on, invalid bytes cost their row, a malformed JSON line costs that line.

Encodings: a byte-order mark decides (UTF-8, UTF-16, UTF-32); without one, UTF-16 is recognised from
its zero bytes, and everything else is read as UTF-8 unless an encoding is named (``cp1252``,
``latin-1`` …). Lines that are not valid in the encoding are bad rows whose message says what to do.

Example
-------
>>> import io
>>> source = LineSource(io.BytesIO("\\ufeffid;text\\r\\n1;Grüß Gott\\r\\n".encode("utf-8")))
>>> reader = CsvReader(source)
>>> reader.delimiter, reader.header, [row.record for row in reader]
(';', ['id', 'text'], [{'id': '1', 'text': 'Grüß Gott'}])
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import re
import warnings
from pathlib import Path
from typing import Any, Iterator, NamedTuple

from .errors import DialogclsError, DialogclsWarning

#: The input formats; ``json`` is a JSON document (an array, an API response) or JSON Lines.
FORMATS = ("csv", "tsv", "jsonl", "json", "parquet")
EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl",
              ".json": "json", ".parquet": "parquet", ".pq": "parquet"}


class InputError(DialogclsError):
    """A problem with an input file: names the file, the line and what is wrong."""


def detect_format(path: str | os.PathLike, fmt: str | None = None) -> str:
    """The format of ``path``: ``fmt`` if given, else from the extension; ``-`` needs ``fmt`` or is JSON Lines.

    ``json`` (the ``.json`` extension) is a JSON document or JSON Lines, told apart by the content.

    Example
    -------
    >>> detect_format("posts.tsv"), detect_format("x.data", "csv"), detect_format("tweets.json")
    ('tsv', 'csv', 'json')
    """
    if fmt:
        if fmt not in FORMATS:
            raise InputError("E401", f"unknown format {fmt!r}; choose one of {list(FORMATS)}")
        return fmt
    if str(path) == "-":
        return "jsonl"
    suffix = Path(path).suffix.lower()
    if suffix not in EXTENSIONS:
        raise InputError("E401", f"cannot tell the format of {path} from its extension; "
                                  f"pass --format ({', '.join(FORMATS)})")
    return EXTENSIONS[suffix]


#: The delimiters a CSV file is sniffed for, in order of preference.
DELIMITERS = (",", ";", "\t", "|")
#: Lines of a file looked at to choose its delimiter.
_SNIFF_LINES = 50
_BLOCK = 1 << 20
_SEP_LINE = re.compile(r"sep=(.)\r?\n?")
#: Bytes of cp1252 that occur in German, English and other Western text (letters, quotes, dashes, €, §, °).
_CP1252_TEXT = frozenset([0x80, 0x82, 0x84, 0x85, *range(0x91, 0x98), 0x99, 0xA0, 0xA7, 0xA9, 0xAB, 0xAE, 0xB0,
                          0xB2, 0xB3, 0xB4, 0xB5, 0xB7, 0xBB, 0xBD, *range(0xC0, 0xDE), *range(0xDF, 0xFE)])
_UTF8_LETTER = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


class RawRow(NamedTuple):
    """One row as read: where it is (line, or post number in a JSON document), the fields that could
    be read (None when nothing could), and its problem (None for a good row)."""

    location: int
    record: dict | None
    problem: str | None


class FileProblem(Exception):
    """A whole file cannot be read (not one row): raised with the reason; io adds the file name."""


def parse_delimiter(value: str | None) -> str | None:
    """A ``--delimiter`` value as one character: ``;``, ``,``, ``|``, or ``tab`` / ``\\t`` for a tab.

    Example
    -------
    >>> parse_delimiter("tab"), parse_delimiter(";"), parse_delimiter(None)
    ('\\t', ';', None)
    """
    if value is None:
        return None
    named = {"tab": "\t", "\\t": "\t", "semicolon": ";", "comma": ",", "pipe": "|"}
    delimiter = named.get(value.lower(), value)
    if len(delimiter) != 1 or delimiter in "\"\r\n":
        raise InputError("E420", f"cannot use {value!r} as the delimiter; give one character such as ';' or ',' "
                                 "(or 'tab')")
    return delimiter


def check_encoding(value: str | None) -> str | None:
    """``value`` when Python knows the encoding (or it is ``auto``/None); E419 otherwise."""
    if value is None or value.lower() == "auto":
        return None
    try:
        codecs.lookup(value)
    except LookupError:
        raise InputError("E419", f"unknown encoding {value!r}; use utf-8, utf-16, cp1252, latin-1 or auto") from None
    return value


def packed_problem(head: bytes) -> str | None:
    """What to do with a compressed file or a workbook (read as text it is noise), or None."""
    if head.startswith(b"\x1f\x8b"):
        return ("is gzip-compressed; decompress it first (gunzip -k FILE), or pipe it in: "
                "gzip -dc FILE | python -m dialogcls classify - --format jsonl")
    if head.startswith(b"PK\x03\x04"):
        return "is a zip archive or an Excel workbook; unpack it, or save the sheet as CSV (UTF-8), and pass that"
    return None


def detect_encoding(head: bytes, requested: str | None = None) -> tuple[str, int]:
    """The encoding of a file from its first bytes, and the length of its byte-order mark.

    ``requested`` (``"auto"`` or None to detect) wins, except that a byte-order mark is always
    skipped when it matches the requested encoding. Detection: a byte-order mark; else UTF-16 from
    its zero bytes; else cp1252 when the first 64 KB are not UTF-8, hold no UTF-8 letter at all and
    their other bytes are cp1252 letters and punctuation (a file saved by Excel or on Windows); else
    UTF-8 (and lines that are not are bad rows with a hint).

    Example
    -------
    >>> detect_encoding(b"\\xef\\xbb\\xbftext"), detect_encoding("t\\u00e4xt".encode("utf-16-le"))
    (('utf-8', 3), ('utf-16-le', 0))
    >>> detect_encoding("Grüße\\n".encode("cp1252")), detect_encoding("Grüße\\n".encode("utf-8"))
    (('cp1252', 0), ('utf-8', 0))
    """
    boms = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
            (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
    found = next(((name, len(bom)) for bom, name in boms if head.startswith(bom)), None)
    if requested and requested.lower() != "auto":
        name = codecs.lookup(requested).name
        if found and codecs.lookup(found[0]).name.split("-")[:2] == name.split("-")[:2]:
            return found
        if name in ("utf-8-sig", "utf-16", "utf-32"):
            return (found or ({"utf-8-sig": "utf-8", "utf-16": "utf-16-le", "utf-32": "utf-32-le"}[name], 0))
        return name, 0
    if found:
        return found
    sample = head[:4096]
    if len(sample) >= 4:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        half = len(sample) // 2
        if odd > 0.4 * half and even < 0.1 * half:
            return "utf-16-le", 0
        if even > 0.4 * half and odd < 0.1 * half:
            return "utf-16-be", 0
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        truncated = error.reason == "unexpected end of data"
        high = set(head.translate(None, bytes(range(128))))
        if not truncated and not _UTF8_LETTER.search(head) and high <= _CP1252_TEXT:
            try:
                head.decode("cp1252")
                return "cp1252", 0
            except UnicodeDecodeError:
                return "latin-1", 0
    return "utf-8", 0


def _byte_lines(stream: Any, separator: bytes) -> Iterator[bytes]:
    """The lines of a binary stream, each with its separator, read in blocks (no line-length limit)."""
    pending: list[bytes] = []
    while True:
        block = stream.read(_BLOCK)
        if not block:
            if pending:
                yield b"".join(pending)
            return
        parts = block.split(separator)
        if len(parts) == 1:
            pending.append(block)
            continue
        pending.append(parts[0])
        yield b"".join(pending) + separator
        for part in parts[1:-1]:
            yield part + separator
        pending = [parts[-1]] if parts[-1] else []


class LineSource:
    """The decoded lines of a binary stream as ``(line number, text, problem)``.

    ``problem`` names invalid bytes (the line is decoded with replacement characters); ``position``
    is how many bytes have been read, for progress bars.

    Example
    -------
    >>> import io
    >>> list(LineSource(io.BytesIO("Grüße\\n".encode() + b"\\xff bad\\n")))[1][2]
    'invalid UTF-8 at byte 0 of the line: the file is not UTF-8. If it was saved by Excel or on Windows, pass --encoding cp1252 (or latin-1)'
    """

    def __init__(self, stream: Any, encoding: str | None = None) -> None:
        if not hasattr(stream, "peek"):
            stream = io.BufferedReader(_Unbuffered(stream))
        self.stream = stream
        head = _peek(stream, 1 << 16)
        self.encoding, bom = detect_encoding(head, encoding)
        if bom:
            stream.read(bom)
        self.position = bom
        self.line = 0
        self._lines = self._decoded()

    def _decoded(self) -> Iterator[tuple[int, str, str | None]]:
        encoding = self.encoding
        if codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
            decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
            pending = ""
            while True:
                block = self.stream.read(_BLOCK)
                self.position += len(block)
                lines = (pending + decoder.decode(block, final=not block)).split("\n")
                pending = lines.pop()
                for line in lines:
                    self.line += 1
                    yield self.line, line + "\n", None
                if not block:
                    if pending:
                        self.line += 1
                        yield self.line, pending, None
                    return
        head = _peek(self.stream, 65536)
        separator = b"\r" if b"\n" not in head and b"\r" in head else b"\n"
        for raw in _byte_lines(self.stream, separator):
            self.position += len(raw)
            self.line += 1
            try:
                yield self.line, raw.decode(encoding), None
            except UnicodeDecodeError as error:
                yield self.line, raw.decode(encoding, errors="replace"), decode_problem(encoding, error)

    def __iter__(self) -> "LineSource":
        return self

    def __next__(self) -> tuple[int, str, str | None]:
        return next(self._lines)


class _Unbuffered(io.RawIOBase):
    """A stream without ``peek`` (such as ``io.BytesIO``) as a raw stream, to be buffered."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def _peek(stream: Any, size: int) -> bytes:
    """Up to ``size`` bytes at the start of a buffered stream, without consuming them."""
    try:
        return stream.peek(size)[:size]
    except (OSError, ValueError):
        return b""


def decode_problem(encoding: str, error: UnicodeDecodeError) -> str:
    name = codecs.lookup(encoding).name
    if name == "utf-8":
        return (f"invalid UTF-8 at byte {error.start} of the line: the file is not UTF-8. If it was saved by "
                "Excel or on Windows, pass --encoding cp1252 (or latin-1)")
    return f"bytes that are not valid {name} at byte {error.start} of the line; pass the file's --encoding"


# -- CSV and TSV -----------------------------------------------------------------------------------

class _Feeder:
    """Lines for ``csv.reader`` that remembers the lines of the current record and can put lines back."""

    def __init__(self, lines: Iterator[tuple[int, str, str | None]]) -> None:
        self.lines = lines
        self.pushed: list[tuple[int, str, str | None]] = []
        self.taken: list[tuple[int, str, str | None]] = []

    def __iter__(self) -> "_Feeder":
        return self

    def __next__(self) -> str:
        item = self.pushed.pop() if self.pushed else next(self.lines)
        self.taken.append(item)
        return item[1]

    def put_back(self, items: list[tuple[int, str, str | None]]) -> None:
        self.pushed.extend(reversed(items))


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter of CSV ``lines`` (header first): the candidate of :data:`DELIMITERS` that splits
    the header into the most fields which the following rows repeat; ``,`` when none splits it.

    Example
    -------
    >>> sniff_delimiter(["id;text", "1;Hallo, Welt", "2;Tschüss"]), sniff_delimiter(["text", "Hallo"])
    (';', ',')
    """
    best, best_score = ",", (0.0, 1)
    for delimiter in DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delimiter) if row]
        except csv.Error:
            continue
        if not counts or counts[0] < 2:
            continue
        rest = counts[1:-1] if len(counts) > 2 else counts[1:]  # the last sampled line may be cut off
        consistent = sum(count == counts[0] for count in rest) / len(rest) if rest else 1.0
        score = (consistent, counts[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


class CsvReader:
    """Rows of a CSV or TSV file: the header, then one :class:`RawRow` per record.

    The delimiter is ``delimiter``, else an Excel ``sep=;`` first line, else sniffed from the first
    lines. A record that cannot be read (an unclosed quote, a stray quote, a wrong number of fields,
    bytes not valid in the encoding) becomes a bad row that keeps the fields its first line gives;
    reading goes on with the next line, so a quoting error costs one row.
    """

    def __init__(self, source: LineSource, delimiter: str | None = None) -> None:
        self.source = source
        sample: list[tuple[int, str, str | None]] = []
        for item in source:
            sample.append(item)
            if len(sample) >= _SNIFF_LINES:
                break
        if sample and delimiter is None:
            match = _SEP_LINE.fullmatch(sample[0][1])
            if match:
                delimiter = match.group(1)
                sample.pop(0)
        self.delimiter = delimiter or sniff_delimiter([text for _, text, _ in sample])
        self._feeder = _Feeder(iter(()))
        self._feeder.put_back(sample)
        self._feeder.lines = iter(source)
        self._reader = csv.reader(self._feeder, delimiter=self.delimiter, strict=True)
        self.header: list[str] = []
        self.header_line = 0
        for item in self._records():
            if item[1] is None:
                raise FileProblem(f"line {item[0]}: cannot read the header ({item[2]})")
            names = [name.strip() or name for name in item[1]]
            self.header_line, self.header = item[0], unique_names(names)
            renamed = [f"{new!r}" for old, new in zip(names, self.header) if old and old != new]
            if renamed:
                warnings.warn(f"line {item[0]}: the header repeats column names; the repeats are read as "
                              f"{', '.join(renamed)}", DialogclsWarning, stacklevel=2)
            break

    def _records(self) -> Iterator[tuple[int, list[str] | None, str | None, list]]:
        """``(first line, fields or None, problem, lines)`` per record; blank lines are skipped."""
        feeder = self._feeder
        while True:
            feeder.taken = []
            try:
                values = next(self._reader)
                problem = None
            except StopIteration:
                if not feeder.taken:
                    return
                values, problem = None, "unexpected end of the file inside a quoted field"
            except csv.Error as error:
                values, problem = None, f"malformed row ({error})"
            taken = feeder.taken
            if not taken:
                return
            if values == [] and problem is None:
                continue
            bad_bytes = next((item[2] for item in taken if item[2]), None)
            yield taken[0][0], values, problem or bad_bytes, taken

    def __iter__(self) -> Iterator[RawRow]:
        width = len(self.header)
        for line, values, problem, taken in self._records():
            if problem is None and len(values) == width:
                yield RawRow(line, dict(zip(self.header, values)), None)
                continue
            if values is None and len(taken) == 1 and not taken[0][2]:
                # A quotation mark inside an unquoted field ('"Zitat" sagt er' in TSV): strict quoting
                # refuses the line; split at the delimiter it has exactly the header's fields, as written.
                literal = taken[0][1].rstrip("\r\n").split(self.delimiter)
                if len(literal) == width:
                    yield RawRow(line, dict(zip(self.header, literal)), None)
                    continue
            if problem is None:
                problem = (f"malformed row: {len(values)} fields where the header has {width} (an unquoted "
                           f"{self.delimiter!r} in a field, or a missing field?)")
            if values is None or len(values) != width:
                if len(taken) > 1 and not taken[0][2]:
                    # A record over several lines went wrong (an unclosed quote): only its first line is lost.
                    self._feeder.put_back(taken[1:])
                    values = self._lenient(taken[0][1])
                elif values is None:
                    values = self._lenient("".join(text for _, text, _ in taken))
            yield RawRow(line, dict(zip(self.header, values)), problem)

    def _lenient(self, text: str) -> list[str]:
        """The fields of one line read without the strict quoting rules (for a bad row's readable fields)."""
        try:
            return next(csv.reader([text.rstrip("\r\n")], delimiter=self.delimiter), [])
        except csv.Error:
            return []


def unique_names(names: list[str]) -> list[str]:
    """Column names made unique as pandas does (``a``, ``a.1``, ``a.2``); an empty name becomes
    ``column_N`` (its position, from 1).

    Example
    -------
    >>> unique_names(["id", "text", "id", ""])
    ['id', 'text', 'id.1', 'column_4']
    """
    seen: dict[str, int] = {}
    out = []
    for position, name in enumerate(names, 1):
        name = name or f"column_{position}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        seen.setdefault(name, 0)
        out.append(name)
    return out


__all__ = ["InputError", "detect_format", "FORMATS", "EXTENSIONS", "RawRow", "FileProblem", "LineSource", "CsvReader",
           "detect_encoding", "decode_problem", "parse_delimiter", "check_encoding", "packed_problem", "sniff_delimiter", "unique_names", "DELIMITERS"]
