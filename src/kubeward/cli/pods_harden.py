"""``kubeward pods harden``: the fewest edits that make manifests pass ``restricted``."""

from __future__ import annotations

import codecs
import difflib
import os
import sys
import tempfile
from typing import Any

import click
from rich.markup import escape

from kubeward.cli.app import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, abort
from kubeward.cli.common import print_json
from kubeward.cli.console import err_console
from kubeward.cli.pods import pods
from kubeward.engines import podsec
from kubeward.errors import InputError
from kubeward.generators.harden import FIXED, NON_ROOT_NOTE, REFUSED, HardenResult, harden_text
from kubeward.sources.files import STDIN, Limits, decode_text

__all__ = ["harden"]

_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_ENCODINGS = {codecs.BOM_UTF8: "utf-8", codecs.BOM_UTF16_LE: "utf-16-le", codecs.BOM_UTF16_BE: "utf-16-be"}


@pods.command("harden")
@click.argument("files", nargs=-1, metavar="FILE...")
@click.option(
    "--version",
    "policy_version",
    default="latest",
    show_default=True,
    metavar="V",
    help="Policy version: v1.N.",
)
@click.option("--in-place", is_flag=True, help="Write the hardened files instead of printing a diff.")
@click.option("-o", "--output", type=click.Choice(["diff", "json"]), default="diff", show_default=True)
def harden(files: tuple[str, ...], policy_version: str, in_place: bool, output: str) -> None:
    """Add the fewest fields that make each pod template in FILEs pass the restricted Pod
    Security Standard, keeping comments, key order, quoting and formatting.

    Prints a unified diff (or, with --in-place, writes the files; '-' reads standard input
    and prints the hardened stream). An object whose fix would change what the pod does
    (privileged, host namespaces, hostPath, added capabilities, explicit root...) is left
    as it is, with the reasons. Exit 0 when nothing is left to do, 1 when an object was left
    alone, 2 on input errors."""
    if not files:
        abort("give the manifest files to harden (or '-' for standard input)")
    if STDIN in files and len(files) > 1:
        abort("'-' (standard input) cannot be hardened together with files")
    try:
        policy = podsec.parse_policy("restricted", policy_version)
    except ValueError as error:
        abort(f"--version: {error}")
    results: list[tuple[str, str, HardenResult, bool]] = []
    errors: list[InputError] = []
    for file in files:
        data, problem = _read(file)
        text = None if data is None else decode_text(data)
        if data is None or text is None:
            errors.append(InputError(file, problem or "not valid UTF-8 or UTF-16 text"))
            continue
        result = harden_text(file, text, policy)
        errors.extend(result.errors)
        written = in_place and file != STDIN and result.text != text
        if written:
            _write(file, _bom(data), result.text)
        results.append((file, text, result, written))
    _report(results, errors, output, str(policy))
    if any(error.fatal for error in errors):
        raise SystemExit(EXIT_USAGE)
    refused = any(each.status == REFUSED for _, _, result, _ in results for each in result.objects)
    raise SystemExit(EXIT_FINDINGS if refused else EXIT_OK)


def _read(file: str) -> tuple[bytes | None, str | None]:
    limit = Limits().max_file_bytes
    if file == STDIN:
        data = sys.stdin.buffer.read(limit + 1)
    else:
        try:
            with open(file, "rb") as handle:
                data = handle.read(limit + 1)
        except OSError as error:
            return None, f"cannot read: {error.strerror or error}"
    if len(data) > limit:
        return None, f"larger than the {limit // (1024 * 1024)} MiB limit; not read"
    return data, None


def _bom(data: bytes) -> bytes:
    return next((bom for bom in _BOMS if data.startswith(bom)), b"")


def _write(file: str, bom: bytes, text: str) -> None:
    """Replace ``file`` at once (a crash leaves the old or the new file, never half of one)."""
    directory = os.path.dirname(os.path.abspath(file))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".kubeward-harden-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(bom + text.encode(_ENCODINGS.get(bom, "utf-8")))
        os.chmod(temporary, os.stat(file).st_mode & 0o7777)
        os.replace(temporary, file)
    except OSError as error:
        os.unlink(temporary)
        abort(f"{file}: cannot write: {error.strerror or error}")


def _diff(file: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(before.splitlines(True), after.splitlines(True), file, file)
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


def _report(
    results: list[tuple[str, str, HardenResult, bool]], errors: list[InputError], output: str, policy: str
) -> None:
    console = err_console()
    for error in errors:
        label = "input error" if error.fatal else "warning"
        console.print(f"[yellow]{label}:[/] {escape(str(error))}", soft_wrap=True)
    if output == "json":
        document: dict[str, Any] = {
            "policy": policy,
            "results": [each.to_dict() for _, _, result, _ in results for each in result.objects],
            "files": [
                {"file": file, "changed": result.text != text, "written": written}
                for file, text, result, written in results
            ],
            "errors": [
                {
                    "file": e.file,
                    "line": e.line,
                    "document": e.document,
                    "message": e.message,
                    "fatal": e.fatal,
                }
                for e in errors
            ],
        }
        print_json(document)
        return
    noted = False
    for file, text, result, written in results:
        for each in result.objects:
            noted = noted or bool(each.notes)
            if each.status == REFUSED:
                reasons = "; ".join(str(refusal) for refusal in each.refusals)
                where = f"{each.origin}: {each.ref.label}"
                console.print(
                    f"{escape(where)}: left unchanged: {escape(reasons)}",
                    soft_wrap=True,
                )
        if file == STDIN:
            click.echo(result.text, nl=False)
        elif written:
            fixed = sum(each.status == FIXED for each in result.objects)
            console.print(
                f"{escape(file)}: hardened {fixed} object{'s' if fixed != 1 else ''}", soft_wrap=True
            )
        else:
            click.echo(_diff(file, text, result.text), nl=False)
    if noted:
        console.print(f"note: {escape(NON_ROOT_NOTE)}", soft_wrap=True)
