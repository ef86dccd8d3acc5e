"""The exceptions kubeward raises at its edges, and the input problems it reports as values.

Engines never raise for bad data: they return partial answers plus the problems they met.
Sources never raise for one bad document: they return an :class:`InputError` for it and
keep reading. Exceptions are for the edges (CLI, configuration, a cluster that cannot be
reached), and the CLI turns every one of them into exit code 2 through a single ``abort()``.

Exception tree::

    KubewardError
    ├── UsageError      bad command-line usage (unknown control ID, bad flag value)
    ├── ConfigError     a configuration or baseline file that cannot be used
    └── SourceError     an input that cannot be read at all (cluster unreachable, no inputs)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ConfigError", "InputError", "KubewardError", "SourceError", "UsageError"]


class KubewardError(Exception):
    """Base of every exception kubeward raises on purpose."""


class UsageError(KubewardError):
    """The command line asks for something that does not exist or does not fit."""


class ConfigError(KubewardError):
    """A configuration, suppression or baseline file is invalid."""


class SourceError(KubewardError):
    """An input source as a whole cannot be read (not one document in it)."""


@dataclass(frozen=True, slots=True)
class InputError:
    """One problem with one input: a file, a document in it, or a field of an object.

    ``fatal`` says the document (or file) could not be analysed at all; a non-fatal error
    (a duplicate key, a field of the wrong type) was reported and the rest of the object
    was still analysed. ``line`` is 1-based; ``document`` is the 0-based index of the YAML
    document in its file.
    """

    file: str
    message: str
    line: int | None = None
    document: int | None = None
    fatal: bool = True

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.message}"
