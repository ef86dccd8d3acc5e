"""Files, directories and stdin -> object records.

Directories are walked recursively for ``*.yaml``, ``*.yml`` and ``*.json`` (hidden
directories and Helm chart sources, which must be rendered first, are skipped with a
note). A file named on the command line is read whatever its extension. Each file is
read once, bounded by ``Limits.max_file_bytes``; YAML streams are split at their ``---``
markers before decoding, so a broken document (bad syntax, bad bytes) costs only itself.

Nothing here raises for bad input: every problem is an :class:`InputError` naming the
file and, where known, the line, and every other document is still read.
"""

from __future__ import annotations

import codecs
import itertools
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from kubeward.errors import InputError
from kubeward.k8s.objects import GroupKind, Record
from kubeward.sources.goyaml import HAVE_LIBYAML, ComposedDocument, compose_documents
from kubeward.sources.jsondoc import decode_json_stream
from kubeward.sources.records import holds_secret_values, records_from_documents

__all__ = [
    "MANIFEST_SUFFIXES",
    "STDIN",
    "Chunk",
    "Limits",
    "ReadResult",
    "decode_text",
    "read_inputs",
    "split_yaml_stream",
]

STDIN = "-"
STDIN_NOT_KEPT = (
    "standard input holds Secrets or kubeconfigs, so its text is not kept: findings on it point at"
    " the line where their object starts"
)
NO_LIBYAML = (
    "PyYAML was built without libyaml: YAML is read with its pure-Python parser, several times slower"
    " (reinstall PyYAML with libyaml for speed; results are the same)"
)
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
# A document marker, maybe after a byte order mark (streams made by concatenating files);
# in undecodable streams the UTF-8 BOM shows as its three Latin-1 characters.
_DOCUMENT_START = re.compile("^(?:\ufeff|\xef\xbb\xbf)?---(?=[ \t\r\n]|$)", re.MULTILINE)
_LINE_START_BOM = re.compile("^\ufeff", re.MULTILINE)
_HELM_SOURCE = re.compile(r"^#\s*Source:\s*(\S[^\r\n]*?)\s*$", re.MULTILINE)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds that keep memory and time in check on hostile input."""

    max_file_bytes: int = 32 * 1024 * 1024
    max_depth: int = 1000


@dataclass(slots=True)
class ReadResult:
    """What the inputs held: records, input errors, notes, and the text of stdin (kept
    because it cannot be read again when a report needs a line)."""

    records: list[Record] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: int = 0
    stdin_text: str | None = None
    listed_kinds: frozenset[GroupKind] | None = None
    """The kinds a live read listed in full (None for files)."""
    scalars: dict[str, Any] = field(default_factory=dict, repr=False)
    """Plain scalars already resolved (shared by every file read; see :func:`_read_yaml`)."""


@dataclass(frozen=True, slots=True)
class Chunk:
    """A slice of a YAML stream that starts at a document marker (or the stream start)."""

    text: str
    line_offset: int  # lines before the chunk in the whole stream
    raw: bytes | None = None  # set when the chunk is not valid UTF-8


def read_inputs(
    paths: Sequence[str],
    limits: Limits = Limits(),
    *,
    stdin: BinaryIO | None = None,
    on_file: Callable[[str], None] | None = None,
) -> ReadResult:
    """Read every path (``-`` is stdin); ``on_file`` is called before each file is read."""
    result = ReadResult()
    if not HAVE_LIBYAML:
        result.notes.append(NO_LIBYAML)
    for path in paths:
        if path == STDIN:
            stream = stdin if stdin is not None else sys.stdin.buffer
            data = stream.read(limits.max_file_bytes + 1)
            if on_file is not None:
                on_file(STDIN)
            before = len(result.records)
            _read_bytes(STDIN, data, limits, result, json_hint=False, keep_text=True)
            if any(holds_secret_values(record.body) for record in result.records[before:]):
                result.stdin_text = None  # never kept with Secret values in it
                result.notes.append(STDIN_NOT_KEPT)
            continue
        for file, error in _discover(path, result.notes):
            if error is not None:
                result.errors.append(InputError(file, error))
                continue
            if on_file is not None:
                on_file(file)
            _read_file(file, limits, result)
    return result


def _discover(path: str, notes: list[str]) -> Iterator[tuple[str, str | None]]:
    """(file, None) for each file to read, or (path, why) when it cannot be read."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            yield path, f"dangling symbolic link (to {os.readlink(path)!r})"
        else:
            yield path, "no such file or directory"
        return
    except OSError as error:
        yield path, f"cannot read: {error.strerror or error}"
        return
    if not stat.S_ISDIR(info.st_mode):
        yield path, None
        return
    failures: list[OSError] = []
    seen = {(info.st_dev, info.st_ino)}  # directories walked, so that symlink loops end
    for root, dirs, files in os.walk(path, onerror=failures.append, followlinks=True):
        yield from _walk_failures(failures)
        if "Chart.yaml" in files:
            notes.append(
                f"{root}: Helm chart sources skipped; render them first (helm template ... | kubeward scan -)"
            )
            dirs[:] = []
            continue
        kept = []
        for name in sorted(dirs):
            if name.startswith("."):
                continue
            try:
                child = os.stat(os.path.join(root, name))
            except OSError:
                kept.append(name)  # the walk reports it
                continue
            if (child.st_dev, child.st_ino) in seen:
                notes.append(f"{os.path.join(root, name)}: links to a directory already read; skipped")
                continue
            seen.add((child.st_dev, child.st_ino))
            kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            if name.startswith(".") or not name.lower().endswith(MANIFEST_SUFFIXES):
                continue
            full = os.path.join(root, name)
            if os.path.islink(full) and not os.path.exists(full):
                yield full, f"dangling symbolic link (to {os.readlink(full)!r})"
            else:
                yield full, None
    yield from _walk_failures(failures)


def _walk_failures(failures: list[OSError]) -> Iterator[tuple[str, str | None]]:
    """Directories the walk could not list (never skipped silently)."""
    while failures:
        error = failures.pop(0)
        yield str(error.filename), f"cannot read directory: {error.strerror or error}"


def _read_file(file: str, limits: Limits, result: ReadResult) -> None:
    try:
        info = os.stat(file)  # before opening: opening a FIFO or device could block or never end
        if not stat.S_ISREG(info.st_mode):
            result.errors.append(InputError(file, "not a regular file"))
            return
        if info.st_size > limits.max_file_bytes:
            result.errors.append(InputError(file, _too_large(limits)))
            return
        with open(file, "rb") as handle:
            data = handle.read(limits.max_file_bytes + 1)
    except OSError as error:
        result.errors.append(InputError(file, f"cannot read: {error.strerror or error}"))
        return
    _read_bytes(file, data, limits, result, json_hint=file.lower().endswith(".json"), keep_text=False)


def _too_large(limits: Limits) -> str:
    return (
        f"larger than the {limits.max_file_bytes // (1024 * 1024)} MiB limit (see --max-file-size); not read"
    )


def _read_bytes(
    file: str, data: bytes, limits: Limits, result: ReadResult, *, json_hint: bool, keep_text: bool
) -> None:
    result.files += 1
    if len(data) > limits.max_file_bytes:
        result.errors.append(InputError(file, _too_large(limits)))
        return
    text = decode_text(data)
    if keep_text:
        result.stdin_text = text if text is not None else data.decode("utf-8", "replace")
    if text is not None and (json_hint or text.lstrip()[:1] in ("{", "[")):
        documents = list(decode_json_stream(text))
        # JSON when so named or when its first value is JSON; else YAML flow (``{a: 1}``).
        if json_hint or (documents and documents[0].error is None):
            _add(file, documents, None, result)
            return
    _read_yaml(file, data if text is None else text, limits, result)


def _add(file: str, documents: list[ComposedDocument], template: str | None, result: ReadResult) -> None:
    records, errors = records_from_documents(file, documents, template)
    result.records.extend(records)
    result.errors.extend(errors)


_SCALAR_CACHE_SIZE = 200_000


def _read_yaml(file: str, stream: str | bytes, limits: Limits, result: ReadResult) -> None:
    index = 0
    cache = result.scalars  # also makes equal scalars one object: less memory for big inputs
    if len(cache) > _SCALAR_CACHE_SIZE:
        cache.clear()
    for chunk in split_yaml_stream(stream):
        if chunk.raw is not None:
            bad = _first_bad_byte(chunk.raw)
            line = chunk.line_offset + chunk.raw.count(b"\n", 0, bad) + 1
            message = f"not valid UTF-8 (byte 0x{chunk.raw[bad]:02x}); the document holding it is skipped"
            result.errors.append(InputError(file, message, line, index))
            index += 1
            continue
        documents = list(
            compose_documents(
                chunk.text,
                line_offset=chunk.line_offset,
                first_index=index,
                max_depth=limits.max_depth,
                cache=cache,
            )
        )
        index += len(documents)
        _add(file, documents, helm_template(chunk.text), result)


def _first_bad_byte(raw: bytes) -> int:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start
    return 0  # pragma: no cover - only called for undecodable chunks


def decode_text(data: bytes) -> str | None:
    """The text of ``data`` (UTF-8, or UTF-16/UTF-8 with a BOM), or None if it is not valid."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def split_yaml_stream(stream: str | bytes) -> Iterator[Chunk]:
    """Split a YAML stream before each ``---`` marker line (directive lines such as
    ``%YAML`` stay with the document they precede). Bytes that are not valid UTF-8 are
    split the same way and decoded chunk by chunk; a chunk that cannot be decoded keeps
    its ``raw`` bytes for the caller to report."""
    text = stream if isinstance(stream, str) else stream.decode("latin-1")
    starts = [0]
    for match in _DOCUMENT_START.finditer(text):
        start = match.start()
        while start > 0:  # keep directives with the document they belong to
            previous = text.rfind("\n", 0, start - 1) + 1
            if not text.startswith("%", previous):
                break
            start = previous
        if start > starts[-1]:
            starts.append(start)
    starts.append(len(text))
    line = 0
    for begin, end in itertools.pairwise(starts):
        piece = text[begin:end]
        if isinstance(stream, bytes):
            raw = piece.encode("latin-1")
            try:
                yield Chunk(_LINE_START_BOM.sub("", raw.decode("utf-8")), line)
            except UnicodeDecodeError:
                yield Chunk("", line, raw)
        else:  # libyaml and go-yaml skip a BOM where a document starts; one at a line start is one
            yield Chunk(_LINE_START_BOM.sub("", piece), line)
        line += piece.count("\n")


def _leading_lines(text: str) -> Iterator[str]:
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        yield text[start:end]
        start = end + 1


def helm_template(chunk_text: str) -> str | None:
    """The ``# Source:`` template named in the comments before a chunk's content."""
    for raw_line in _leading_lines(chunk_text):
        stripped = raw_line.strip()
        if not stripped or stripped == "---":
            continue
        if not stripped.startswith("#"):
            return None
        match = _HELM_SOURCE.match(stripped)
        if match is not None:
            return match.group(1)
    return None
