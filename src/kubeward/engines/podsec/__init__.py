"""Pod Security Standards, evaluated exactly as the Pod Security Admission controller does,
for every policy version v1.0 ... :data:`NEWEST` and ``latest``."""

from kubeward.engines.podsec.api import (
    LEVELS,
    NEWEST,
    Policy,
    Violation,
    check_ids,
    evaluate,
    parse_policy,
)

__all__ = ["LEVELS", "NEWEST", "Policy", "Violation", "check_ids", "evaluate", "parse_policy"]
