"""kubeward: audit, explain, generate and enforce a Kubernetes cluster's security controls.

The library facade::

    import kubeward
    inputs = kubeward.load(["manifests/"])
    result = kubeward.scan(inputs.snapshot)
    for finding in result.findings:
        print(finding.control_id, finding.ref, finding.detail)
"""

from __future__ import annotations

from collections.abc import Iterable

from kubeward.controls.catalogue import all_controls
from kubeward.controls.finding import Finding, Severity
from kubeward.controls.registry import Control
from kubeward.controls.run import ScanResult, run
from kubeward.controls.settings import Settings
from kubeward.controls.suppress import Suppressions
from kubeward.errors import InputError, KubewardError
from kubeward.inputs import Inputs, load, load_cluster
from kubeward.snapshot.snapshot import Snapshot

__version__ = "0.1.0"

__all__ = [
    "Finding",
    "InputError",
    "Inputs",
    "KubewardError",
    "ScanResult",
    "Settings",
    "Severity",
    "Snapshot",
    "Suppressions",
    "__version__",
    "load",
    "load_cluster",
    "scan",
]


def scan(
    snapshot: Snapshot,
    controls: Iterable[Control] | None = None,
    settings: Settings = Settings(),
    suppressions: Suppressions | None = None,
) -> ScanResult:
    """Run ``controls`` (all of them by default) over ``snapshot``."""
    return run(snapshot, all_controls() if controls is None else controls, settings, suppressions)
