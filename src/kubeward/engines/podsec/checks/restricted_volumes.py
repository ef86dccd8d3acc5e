"""The restricted profile allows only these inline volume sources (PSA ``check_restrictedVolumes.go``):
configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected, secret.

Restricted fields: every other ``spec.volumes[*]`` source (hostPath, nfs, ...). A volume that
sets no source is an ``emptyDir``: the API server defaults it so (``SetDefaults_Volume``) before
admission, and upstream's fixtures pass it ("implicit empty dir"); PSA's ``unknown`` type is
never reached for an admitted object.
``image`` is allowed at every policy version (added in Kubernetes 1.33 without a new version).
Replaces ``hostPathVolumes`` in restricted.
"""

from __future__ import annotations

from collections.abc import Mapping

from kubeward.engines.podsec.checks import host_path_volumes
from kubeward.engines.podsec.checks._base import (
    Check,
    Pod,
    Result,
    VersionedCheck,
    is_object,
    join_quote,
    mappings,
    pluralize,
    text,
)
from kubeward.k8s.versions import Version

__all__ = ["CHECK"]

_ALLOWED = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "image",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
)
# Upstream's switch order: the first source set names the volume's type.
_RESTRICTED = (
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
)
_RESTRICTED_ORDER = {source: index for index, source in enumerate(_RESTRICTED)}


def _restricted_type(volume: Mapping[str, object]) -> str | None:
    """The restricted type of a volume, ``None`` if one of its sources is allowed (or it sets
    none and so is an ``emptyDir``)."""
    restricted = None
    for source, value in volume.items():
        if source in _ALLOWED and is_object(value):
            return None
        # Several restricted sources (an invalid object): upstream names the first in its order.
        first = restricted is None or _RESTRICTED_ORDER.get(source, 99) < _RESTRICTED_ORDER[restricted]
        if source in _RESTRICTED_ORDER and is_object(value) and first:
            restricted = source
    return restricted


def restricted_volumes_v1_0(pod: Pod) -> Result:
    volumes = pod.spec.get("volumes")
    if not volumes:
        return None
    bad: list[str] = []
    bad_types: set[str] = set()
    for volume in mappings(volumes):
        volume_type = _restricted_type(volume)
        if volume_type is not None:
            bad.append(text(volume.get("name")))
            bad_types.add(volume_type)
    if bad:
        return "restricted volume types", (
            f"{pluralize('volume', 'volumes', len(bad))} {join_quote(bad)}"
            f" {pluralize('uses', 'use', len(bad))}"
            f" {pluralize('restricted volume type', 'restricted volume types', len(bad_types))}"
            f" {join_quote(sorted(bad_types))}"
        )
    return None


CHECK = Check(
    "restrictedVolumes",
    "restricted",
    (VersionedCheck(Version(1, 0), restricted_volumes_v1_0, (host_path_volumes.CHECK_ID,)),),
)
