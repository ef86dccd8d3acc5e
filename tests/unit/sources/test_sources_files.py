"""Files, directories and stdin -> records, with every problem located (file and line)."""

from __future__ import annotations

import builtins
import codecs
import io
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from kubeward.errors import InputError
from kubeward.k8s.objects import Origin
from kubeward.sources import files
from kubeward.sources.files import (
    Chunk,
    Limits,
    ReadResult,
    decode_text,
    helm_template,
    read_inputs,
    split_yaml_stream,
)


def pod(name: str) -> str:
    return f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n"


def read_stdin(data: bytes | str, limits: Limits = Limits()) -> ReadResult:
    raw = data.encode() if isinstance(data, str) else data
    return read_inputs(["-"], limits, stdin=io.BytesIO(raw))


def names(result: ReadResult) -> list[tuple[str, str]]:
    return [(record.origin.file, record.body["metadata"]["name"]) for record in result.records]


def origins(result: ReadResult) -> list[Origin]:
    return [record.origin for record in result.records]


def write(path: Path, text: str | bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return str(path)


# --- directories -------------------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "manifests"
    write(root / "b.yml", pod("b"))
    write(root / "a.yaml", pod("a"))
    write(root / "C.YAML", pod("C"))
    write(root / "d.Json", '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "d"}}')
    write(root / "notes.txt", pod("not-read"))
    write(root / "README.md", "# docs\n")
    write(root / ".hidden.yaml", pod("not-read"))
    write(root / ".git" / "x.yaml", pod("not-read"))
    write(root / "sub" / "deeper" / "e.yaml", pod("e"))
    write(root / "sub" / "f.yaml", pod("f"))
    write(root / "chart" / "Chart.yaml", "apiVersion: v2\nname: chart\n")
    write(root / "chart" / "templates" / "t.yaml", "kind: {{ .Values.kind }}\n")
    os.symlink("a.yaml", root / "z-link.yaml")
    return root


def test_directory_walk(tree: Path) -> None:
    result = read_inputs([str(tree)])
    assert names(result) == [
        (f"{tree}/C.YAML", "C"),
        (f"{tree}/a.yaml", "a"),
        (f"{tree}/b.yml", "b"),
        (f"{tree}/d.Json", "d"),
        (f"{tree}/z-link.yaml", "a"),
        (f"{tree}/sub/f.yaml", "f"),
        (f"{tree}/sub/deeper/e.yaml", "e"),
    ]
    assert result.errors == []
    assert result.notes == [
        f"{tree}/chart: Helm chart sources skipped; render them first (helm template ... | kubeward scan -)"
    ]
    assert result.files == 7


def test_dangling_symbolic_link_in_a_directory(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", pod("a"))
    os.symlink("gone.yaml", tmp_path / "b.yaml")
    result = read_inputs([str(tmp_path)])
    assert names(result) == [(f"{tmp_path}/a.yaml", "a")]
    assert result.errors == [InputError(f"{tmp_path}/b.yaml", "dangling symbolic link (to 'gone.yaml')")]


def test_explicit_files_of_any_extension_in_the_order_given(tmp_path: Path) -> None:
    second = write(tmp_path / "manifest.txt", pod("txt"))
    first = write(tmp_path / "no-extension", pod("bare"))
    calls: list[str] = []
    result = read_inputs([first, second], on_file=calls.append)
    assert names(result) == [(first, "bare"), (second, "txt")]
    assert calls == [first, second]
    assert (result.errors, result.files) == ([], 2)


# --- stdin ----------------------------------------------------------------------------------------


def test_stdin_is_read_and_its_text_kept() -> None:
    calls: list[str] = []
    text = pod("a") + "---\n" + pod("b")
    result = read_inputs(["-"], stdin=io.BytesIO(text.encode()), on_file=calls.append)
    assert names(result) == [("-", "a"), ("-", "b")]
    assert origins(result) == [Origin("-", 0, 1), Origin("-", 1, 6)]
    assert result.stdin_text == text
    assert (calls, result.files) == (["-"], 1)


def test_stdin_and_files_together(tmp_path: Path) -> None:
    file = write(tmp_path / "a.yaml", pod("file"))
    result = read_inputs([file, "-"], stdin=io.BytesIO(pod("stdin").encode()))
    assert names(result) == [(file, "file"), ("-", "stdin")]


def test_stdin_that_is_not_utf8_is_kept_with_replacement_characters() -> None:
    result = read_stdin(b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: \xff\n")
    assert result.stdin_text == "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \ufffd\n"
    assert result.records == []
    assert result.errors == [
        InputError("-", "not valid UTF-8 (byte 0xff); the document holding it is skipped", 4, 0)
    ]


# --- unreadable inputs ----------------------------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.yaml")
    assert read_inputs([missing]).errors == [InputError(missing, "no such file or directory")]


def test_dangling_symbolic_link_named_explicitly(tmp_path: Path) -> None:
    link = tmp_path / "link.yaml"
    os.symlink(tmp_path / "gone.yaml", link)
    assert read_inputs([str(link)]).errors == [
        InputError(str(link), f"dangling symbolic link (to '{tmp_path}/gone.yaml')")
    ]


def read_without_hanging(paths: list[str]) -> ReadResult:
    """read_inputs in a thread: opening a FIFO would block forever, failing rather than hanging."""
    results: list[ReadResult] = []
    worker = threading.Thread(target=lambda: results.append(read_inputs(paths)), daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "read_inputs blocked (it opened a FIFO)"
    return results[0]


def test_fifo_is_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    result = read_without_hanging([str(fifo)])
    assert (result.records, result.errors) == ([], [InputError(str(fifo), "not a regular file")])


def test_a_fifo_in_a_directory_is_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    write(tmp_path / "q.yaml", pod("q"))
    result = read_without_hanging([str(tmp_path)])
    assert names(result) == [(f"{tmp_path}/q.yaml", "q")]
    assert result.errors == [InputError(f"{tmp_path}/pipe.yaml", "not a regular file")]


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = write(tmp_path / "locked.yaml", pod("locked"))
    other = write(tmp_path / "other.yaml", pod("other"))

    def guarded_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file) == locked:
            raise PermissionError(13, "Permission denied", str(file))
        return builtins.open(file, *args, **kwargs)

    monkeypatch.setattr(files, "open", guarded_open, raising=False)
    result = read_inputs([str(tmp_path)])
    assert names(result) == [(other, "other")]
    assert result.errors == [InputError(locked, "cannot read: Permission denied")]


# --- the size limit -----------------------------------------------------------------------------


def test_size_limit_on_files(tmp_path: Path) -> None:
    text = pod("a")
    at_limit = write(tmp_path / "at.yaml", text)
    over = write(tmp_path / "over.yaml", text + "#")
    result = read_inputs([at_limit, over], Limits(max_file_bytes=len(text)))
    assert names(result) == [(at_limit, "a")]
    assert [
        (error.file, error.line, error.message.startswith("larger than the")) for error in result.errors
    ] == [(over, None, True)]


def test_size_limit_on_stdin() -> None:
    text = pod("a")
    assert names(read_stdin(text, Limits(max_file_bytes=len(text)))) == [("-", "a")]
    result = read_stdin(text + "#", Limits(max_file_bytes=len(text)))
    assert result.records == []
    assert [(error.file, error.message.startswith("larger than the")) for error in result.errors] == [
        ("-", True)
    ]


def test_size_limit_message(tmp_path: Path) -> None:
    big = write(tmp_path / "big.yaml", b"#" * (1024 * 1024 + 1))
    assert read_inputs([big], Limits(max_file_bytes=1024 * 1024)).errors == [
        InputError(big, "larger than the 1 MiB limit (see --max-file-size); not read")
    ]


# --- encodings --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(codecs.BOM_UTF8 + pod("é").encode(), id="UTF-8 with BOM"),
        pytest.param(codecs.BOM_UTF16_LE + pod("é").encode("utf-16-le"), id="UTF-16 LE with BOM"),
        pytest.param(codecs.BOM_UTF16_BE + pod("é").encode("utf-16-be"), id="UTF-16 BE with BOM"),
    ],
)
def test_byte_order_marks(tmp_path: Path, data: bytes) -> None:
    file = write(tmp_path / "pod.yaml", data)
    result = read_inputs([file])
    assert (names(result), origins(result), result.errors) == ([(file, "é")], [Origin(file, 0, 1)], [])


@pytest.mark.parametrize(
    ("data", "text"),
    [
        pytest.param(b"a: 1\n", "a: 1\n", id="UTF-8"),
        pytest.param(codecs.BOM_UTF8 + b"a: 1\n", "a: 1\n", id="a UTF-8 BOM is dropped"),
        pytest.param(codecs.BOM_UTF8, "", id="a BOM alone"),
        pytest.param(codecs.BOM_UTF16_LE + "é\n".encode("utf-16-le"), "é\n", id="UTF-16 LE"),
        pytest.param(codecs.BOM_UTF16_BE + "é\n".encode("utf-16-be"), "é\n", id="UTF-16 BE"),
        pytest.param(b"a: \xff\n", None, id="not UTF-8"),
        pytest.param(codecs.BOM_UTF16_LE + b"a\x00b", None, id="truncated UTF-16"),
        pytest.param(codecs.BOM_UTF8 + b"\xc3", None, id="truncated UTF-8 after a BOM"),
    ],
)
def test_decode_text(data: bytes, text: str | None) -> None:
    assert decode_text(data) == text


def test_a_bad_byte_costs_only_its_document(tmp_path: Path) -> None:
    data = (pod("a") + "---\n" + pod("b") + "  labels: {x: \xff}\n" + "---\n" + pod("c")).encode("latin-1")
    file = write(tmp_path / "mixed.yaml", data)
    result = read_inputs([file])
    assert names(result) == [(file, "a"), (file, "c")]
    assert origins(result) == [Origin(file, 0, 1), Origin(file, 2, 12)]
    assert result.errors == [
        InputError(file, "not valid UTF-8 (byte 0xff); the document holding it is skipped", 10, 1)
    ]


def test_a_control_character_costs_only_its_document(tmp_path: Path) -> None:
    file = write(tmp_path / "ctl.yaml", pod("a") + "---\n" + pod("b\x01") + "---\n" + pod("c"))
    result = read_inputs([file])
    assert names(result) == [(file, "a"), (file, "c")]
    # The offset in the message counts from the document's "---" (it is libyaml's, per chunk).
    assert [
        (e.file, e.line, e.document, e.fatal, e.message.split(" at offset")[0]) for e in result.errors
    ] == [(file, 9, 1, True, "invalid YAML: character 1 not allowed")]


# --- YAML streams ---------------------------------------------------------------------------------


def test_a_syntax_error_does_not_hide_the_next_document(tmp_path: Path) -> None:
    file = write(tmp_path / "s.yaml", pod("a") + "---\nkind: Pod\nmetadata: a: b\n---\n" + pod("c"))
    result = read_inputs([file])
    assert names(result) == [(file, "a"), (file, "c")]
    assert origins(result) == [Origin(file, 0, 1), Origin(file, 2, 9)]
    assert result.errors == [
        InputError(file, "invalid YAML: mapping values are not allowed in this context", 7, 1)
    ]


def test_semantic_errors_and_problems_are_located(tmp_path: Path) -> None:
    text = pod("a") + "  name: b\n---\n" + pod("c") + "  namespace: *x\n---\n" + pod("d")
    file = write(tmp_path / "p.yaml", text)
    result = read_inputs([file])
    assert names(result) == [(file, "b"), (file, "d")]
    assert result.errors == [
        InputError(file, "duplicate key 'name'; the last value is used", 5, 0, fatal=False),
        InputError(file, "unknown anchor 'x' referenced", 11, 1),
    ]


# (rule, stream, [(chunk text, lines before it)])
SPLIT_CASES: list[tuple[str, str, list[tuple[str, int]]]] = [
    ("no marker: one chunk", "a: 1\nb: 2\n", [("a: 1\nb: 2\n", 0)]),
    ("a marker starts a chunk", "a\n---\nb\n", [("a\n", 0), ("---\nb\n", 1)]),
    ("a leading marker", "---\na\n---\nb\n", [("---\na\n", 0), ("---\nb\n", 2)]),
    ("content after the marker", "--- a\n--- b\n", [("--- a\n", 0), ("--- b\n", 1)]),
    ("a marker at the very end", "a\n---", [("a\n", 0), ("---", 1)]),
    ("---x is not a marker", "a\n---x\n", [("a\n---x\n", 0)]),
    ("an indented --- is not a marker", "a: |\n  ---\n", [("a: |\n  ---\n", 0)]),
    ("CRLF line ends", "a\r\n---\r\nb\r\n", [("a\r\n", 0), ("---\r\nb\r\n", 1)]),
    ("a directive stays with its document", "%YAML 1.1\n---\na\n", [("%YAML 1.1\n---\na\n", 0)]),
    (
        "directives after a document go with the next",
        "a\n%YAML 1.1\n%TAG !k! tag:k8s,2024:\n---\nb\n",
        [("a\n", 0), ("%YAML 1.1\n%TAG !k! tag:k8s,2024:\n---\nb\n", 1)],
    ),
]


@pytest.mark.parametrize(
    ("text", "chunks"), [pytest.param(text, chunks, id=rule) for rule, text, chunks in SPLIT_CASES]
)
def test_split_yaml_stream(text: str, chunks: list[tuple[str, int]]) -> None:
    assert list(split_yaml_stream(text)) == [Chunk(piece, offset) for piece, offset in chunks]
    assert [chunk.text for chunk in split_yaml_stream(text.encode())] == [piece for piece, _ in chunks]


def test_split_yaml_stream_keeps_undecodable_chunks_raw() -> None:
    data = "a: é\n---\nb: \xff\n---\nc: 1\n".encode("latin-1").replace(b"\xe9", "é".encode())
    assert list(split_yaml_stream(data)) == [
        Chunk("a: é\n", 0),
        Chunk("", 1, b"---\nb: \xff\n"),
        Chunk("---\nc: 1\n", 3),
    ]


def test_directive_documents_keep_their_lines(tmp_path: Path) -> None:
    file = write(tmp_path / "d.yaml", pod("a") + "%YAML 1.1\n---\n" + pod("b"))
    result = read_inputs([file])
    assert origins(result) == [Origin(file, 0, 1), Origin(file, 1, 7)]
    assert result.errors == []


# --- Helm-rendered streams ----------------------------------------------------------------------------

HELM = """---
# Source: shop/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: shop
---
# Source: shop/templates/deployment.yaml
# a comment of the chart's own
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
---
# Source: shop/templates/empty.yaml
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: plain
"""


def test_helm_source_comments_name_the_template() -> None:
    result = read_stdin(HELM)
    assert origins(result) == [
        Origin("-", 0, 3, (), "shop/templates/serviceaccount.yaml"),
        Origin("-", 1, 10, (), "shop/templates/deployment.yaml"),
        Origin("-", 3, 17, (), None),
    ]
    assert result.errors == []


@pytest.mark.parametrize(
    ("chunk", "template"),
    [
        pytest.param(
            "---\n# Source: c/templates/x.yaml\nkind: Pod\n", "c/templates/x.yaml", id="after a marker"
        ),
        pytest.param("# Source: c/x.yaml\n", "c/x.yaml", id="at the start"),
        pytest.param("#Source:c/x.yaml\n", "c/x.yaml", id="without spaces"),
        pytest.param("# Copyright\n# Source: c/x.yaml\nkind: Pod\n", "c/x.yaml", id="after another comment"),
        pytest.param("---\n\n  # Source: c/my x.yaml  \n", "c/my x.yaml", id="trailing blanks stripped"),
        pytest.param("kind: Pod\n# Source: c/x.yaml\n", None, id="only before the content"),
        pytest.param("# a comment\nkind: Pod\n", None, id="no Source comment"),
        pytest.param("# Source:\nkind: Pod\n", None, id="an empty Source"),
        pytest.param("", None, id="an empty chunk"),
    ],
)
def test_helm_template(chunk: str, template: str | None) -> None:
    assert helm_template(chunk) == template


# --- objects and lists ----------------------------------------------------------------------------------


def test_kind_list_expands_to_its_items_with_their_lines() -> None:
    text = (
        "apiVersion: v1\nkind: List\nitems:\n"
        "- apiVersion: v1\n  kind: Service\n  metadata:\n    name: s\n"
        "- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: d\n"
    )
    result = read_stdin(text)
    assert [(r.body["kind"], r.origin) for r in result.records] == [
        ("Service", Origin("-", 0, 4, ("items", 0))),
        ("Deployment", Origin("-", 0, 8, ("items", 1))),
    ]
    assert result.errors == []


def test_typed_lists_give_their_items_apiversion_and_kind() -> None:
    text = (
        "apiVersion: v1\nkind: PodList\nmetadata:\n  resourceVersion: '1'\nitems:\n"
        "- metadata:\n    name: a\n"
        "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: b\n"
    )
    result = read_stdin(text)
    assert [r.body for r in result.records] == [
        {"metadata": {"name": "a"}, "apiVersion": "v1", "kind": "Pod"},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}},
    ]
    assert origins(result) == [Origin("-", 0, 6, ("items", 0)), Origin("-", 0, 8, ("items", 1))]


def test_list_items_that_are_not_objects() -> None:
    text = (
        "apiVersion: v1\nkind: List\nitems:\n"
        "- metadata: {name: no-kind}\n"
        "- 3\n"
        "- apiVersion: v1\n  kind: List\n  items: []\n"
        "- apiVersion: v1\n  kind: Pod\n  metadata: {name: ok}\n"
    )
    result = read_stdin(text)
    assert names(result) == [("-", "ok")]
    assert origins(result) == [Origin("-", 0, 9, ("items", 3))]
    assert result.errors == [
        InputError("-", "items[0]: not a Kubernetes object: no apiVersion or kind", 4, 0),
        InputError(
            "-",
            "items[1]: not a Kubernetes object: found a number, not a mapping with apiVersion and kind",
            5,
            0,
        ),
    ]


def test_lists_in_lists_are_flattened_as_kubectl_does() -> None:
    text = (
        "apiVersion: v1\nkind: List\nitems:\n"
        "- apiVersion: v1\n  kind: List\n  items:\n"
        "  - {apiVersion: v1, kind: Namespace, metadata: {name: inner}}\n"
        "  - 5\n"
        "- {apiVersion: v1, kind: Namespace, metadata: {name: outer}}\n"
    )
    result = read_stdin(text)
    assert names(result) == [("-", "inner"), ("-", "outer")]
    assert [record.origin.path for record in result.records] == [("items", 0, "items", 0), ("items", 1)]
    assert [error.message for error in result.errors] == [
        "items[0].items[1]: not a Kubernetes object: found a number, not a mapping with apiVersion and kind"
    ]


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ("null", None),
        ('"x"', "items: a List's items must be a list"),
        ("{a: 1}", "items: a List's items must be a list"),
    ],
)
def test_list_items_must_be_a_list(items: str, message: str | None) -> None:
    result = read_stdin(f"apiVersion: v1\nkind: List\nitems: {items}\n")
    assert result.records == []
    assert [error.message for error in result.errors] == ([message] if message else [])


# (rule, document, message)
NOT = "not a Kubernetes object: "
NOT_A_MAPPING = ", not a mapping with apiVersion and kind"
NOT_OBJECT_CASES: list[tuple[str, str, str]] = [
    ("a scalar", "hello\n", f"{NOT}found a string{NOT_A_MAPPING}"),
    ("a number", "42\n", f"{NOT}found a number{NOT_A_MAPPING}"),
    ("a boolean", "yes\n", f"{NOT}found a boolean{NOT_A_MAPPING}"),
    ("a list", "- apiVersion: v1\n", f"{NOT}found a list{NOT_A_MAPPING}"),
    ("no apiVersion", "kind: Pod\n", f"{NOT}no apiVersion"),
    ("no kind", "apiVersion: v1\n", f"{NOT}no kind"),
    ("neither", "metadata: {}\n", f"{NOT}no apiVersion or kind"),
    ("a kind that is not a string", "apiVersion: v1\nkind: 3\n", f"{NOT}kind must be a non-empty string"),
    ("an empty kind", "apiVersion: v1\nkind: ''\n", f"{NOT}kind must be a non-empty string"),
    ("a boolean apiVersion", "apiVersion: yes\nkind: Pod\n", f"{NOT}apiVersion must be a non-empty string"),
]


@pytest.mark.parametrize(
    ("document", "message"), [pytest.param(doc, message, id=rule) for rule, doc, message in NOT_OBJECT_CASES]
)
def test_documents_that_are_not_objects_are_fatal_errors_with_file_and_line(
    tmp_path: Path, document: str, message: str
) -> None:
    file = write(tmp_path / "bad.yaml", pod("a") + "---\n# comment\n" + document + "---\n" + pod("b"))
    result = read_inputs([file])
    assert names(result) == [(file, "a"), (file, "b")]
    assert result.errors == [InputError(file, message, 7, 1, fatal=True)]


def test_empty_documents_are_skipped_silently() -> None:
    result = read_stdin("---\n# nothing\n---\n" + pod("a") + "---\n---\n")
    assert (names(result), result.errors) == ([("-", "a")], [])


# --- JSON ----------------------------------------------------------------------------------------------

KUBECTL_JSON = """{
    "apiVersion": "v1",
    "items": [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "a"}
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "s"},
            "data": {"k": "c2VjcmV0"}
        }
    ],
    "kind": "List"
}
"""


def test_json_file_list_with_item_lines(tmp_path: Path) -> None:
    file = write(tmp_path / "dump.JSON", KUBECTL_JSON)
    result = read_inputs([file])
    assert names(result) == [(file, "a"), (file, "s")]
    assert origins(result) == [Origin(file, 0, 4, ("items", 0)), Origin(file, 0, 9, ("items", 1))]
    assert result.errors == []


def test_json_file_errors(tmp_path: Path) -> None:
    file = write(tmp_path / "x.json", '{"apiVersion": "v1",\n "kind": "Pod", "kind": "Pod"}\n{"a": }')
    result = read_inputs([file])
    assert origins(result) == [Origin(file, 0, 1)]
    assert result.errors == [
        InputError(file, "duplicate key 'kind'; the last value is used", 2, 0, fatal=False),
        InputError(file, "invalid JSON in the value starting here: Expecting value (column 7)", 3, 1),
    ]


def test_json_on_stdin_is_recognised_by_its_content() -> None:
    result = read_stdin('\n{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}\n'
                        '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}}')  # fmt: skip
    assert origins(result) == [Origin("-", 0, 2), Origin("-", 1, 3)]
    assert result.errors == []


def test_yaml_flow_on_stdin_that_is_not_json_is_read_as_yaml() -> None:
    result = read_stdin("{apiVersion: v1, kind: Pod, metadata: {name: a}, spec: {hostNetwork: yes}}\n")
    assert [r.body["spec"] for r in result.records] == [{"hostNetwork": True}]
    assert result.errors == []


def test_json_array_on_stdin_is_not_an_object() -> None:
    assert read_stdin('[{"apiVersion": "v1", "kind": "Pod"}]').errors == [
        InputError("-", "not a Kubernetes object: found a list, not a mapping with apiVersion and kind", 1, 0)
    ]


def test_json_content_in_a_yaml_file_is_read_as_json(tmp_path: Path) -> None:
    file = write(tmp_path / "x.yaml", '{"apiVersion": "v1", "kind": "Pod",\n "metadata": {"name": "j"}}')
    result = read_inputs([file])
    assert (names(result), origins(result), result.errors) == ([(file, "j")], [Origin(file, 0, 1)], [])


def test_a_directory_that_cannot_be_listed_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ok.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n")
    (tmp_path / "locked").mkdir()
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = read_inputs([str(tmp_path)])
    assert [record.body["metadata"]["name"] for record in result.records] == ["a"]
    assert [(error.file, error.message) for error in result.errors] == [
        (str(tmp_path / "locked"), "cannot read directory: Permission denied")
    ]


def test_a_chart_named_on_the_command_line_is_skipped_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "Chart.yaml").write_text("apiVersion: v2\nname: x\nversion: 1.0.0\n")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "d.yaml").write_text("{{ .Values.x }}\n")
    result = read_inputs([str(tmp_path)])
    assert (result.records, result.errors) == ([], [])
    assert result.notes == [
        f"{tmp_path}: Helm chart sources skipped; render them first (helm template ... | kubeward scan -)"
    ]


def test_without_libyaml_the_pure_parser_is_used_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "HAVE_LIBYAML", False)
    result = read_inputs(["-"], stdin=io.BytesIO(b"apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"))
    assert result.notes == [files.NO_LIBYAML]
    assert [record.body["metadata"]["name"] for record in result.records] == ["a"]


def test_symlinked_directories_are_read_once_and_loops_end(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: via-link}\n")
    scan = tmp_path / "scan"
    scan.mkdir()
    (scan / "linked").symlink_to(real, target_is_directory=True)
    (real / "loop").symlink_to(scan, target_is_directory=True)
    result = read_inputs([str(scan)])
    assert [record.body["metadata"]["name"] for record in result.records] == ["via-link"]
    assert result.errors == []
    assert result.notes == [f"{scan / 'linked' / 'loop'}: links to a directory already read; skipped"]


NAMESPACE_A = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"
NAMESPACE_B = "apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n"


@pytest.mark.parametrize(
    "stream",
    [
        NAMESPACE_A + "---\n\ufeff" + NAMESPACE_B,
        "\ufeff" + NAMESPACE_A + "\ufeff---\n" + NAMESPACE_B,
    ],
    ids=["after a marker", "before a marker"],
)
def test_byte_order_marks_of_concatenated_files_are_skipped(stream: str) -> None:
    """``cat a.yaml b.yaml``: libyaml and go-yaml skip a BOM where a document starts."""
    result = read_stdin(stream)
    assert ([r.body["metadata"]["name"] for r in result.records], result.errors) == (["a", "b"], [])
