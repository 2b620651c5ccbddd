"""Offline rendering of the kustomizations under deploy/k8s, for the tests.

No kustomize binary ships on PyPI for our Python, and the tests must not need the network, so
this renders the subset of kustomize the manifests use, with kustomize's semantics:
``resources`` (files and directories), ``namespace``, ``labels`` (without selectors),
``replicas``, ``images`` and ``patches`` (strategic merge, optionally with a ``target`` by kind
and name). Anything else in a kustomization.yaml is refused, so the manifests cannot drift into
a feature rendered here differently than by ``kubectl apply -k`` (decision 0092).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

Resource = dict[str, Any]

SUPPORTED_FIELDS = frozenset(
    {"apiVersion", "kind", "resources", "namespace", "labels", "replicas", "images", "patches"}
)
CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "StorageClass",
        "PersistentVolume",
        "IngressClass",
        "PriorityClass",
    }
)
WORKLOADS_WITH_REPLICAS = frozenset(
    {"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"}
)
POD_TEMPLATE_KINDS = frozenset(
    {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"}
)


class KustomizeError(Exception):
    """A kustomization this renderer cannot render (or kustomize would refuse)."""


def build(directory: Path) -> list[Resource]:
    """The resources ``kustomize build directory`` prints, in the order they are declared."""
    directory = directory.resolve()
    path = directory / "kustomization.yaml"
    if not path.is_file():
        raise KustomizeError(f"{directory}: no kustomization.yaml")
    spec = yaml.safe_load(path.read_text()) or {}
    unknown = sorted(set(spec) - SUPPORTED_FIELDS)
    if unknown:
        raise KustomizeError(f"{path}: fields not rendered offline: {', '.join(unknown)}")
    if spec.get("kind", "Kustomization") != "Kustomization":
        raise KustomizeError(f"{path}: kind must be Kustomization")

    resources: list[Resource] = []
    for entry in spec.get("resources", []):
        target = (directory / entry).resolve()
        if target.is_dir():
            resources.extend(build(target))
        elif target.is_file():
            resources.extend(load_documents(target))
        else:
            raise KustomizeError(f"{path}: resource {entry!r} does not exist")
    _check_unique(resources, path)

    for patch in spec.get("patches", []):
        _apply_patch(resources, patch, directory)
    if "namespace" in spec:
        for resource in resources:
            if resource["kind"] not in CLUSTER_SCOPED:
                resource.setdefault("metadata", {})["namespace"] = spec["namespace"]
    for entry in spec.get("labels", []):
        _apply_labels(resources, entry, path)
    for entry in spec.get("replicas", []):
        _apply_replicas(resources, entry, path)
    for entry in spec.get("images", []):
        _apply_image(resources, entry, path)
    return resources


def load_documents(path: Path) -> list[Resource]:
    documents = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    for document in documents:
        if not isinstance(document, dict) or not {"apiVersion", "kind", "metadata"} <= set(
            document
        ):
            raise KustomizeError(f"{path}: every document needs apiVersion, kind and metadata")
    return documents


def resource_id(resource: Resource) -> tuple[str, str, str, str]:
    group = resource["apiVersion"].rpartition("/")[0]
    meta = resource["metadata"]
    return group, resource["kind"], meta.get("namespace", ""), meta["name"]


def _check_unique(resources: list[Resource], where: Path) -> None:
    seen: set[tuple[str, str, str, str]] = set()
    for resource in resources:
        key = resource_id(resource)
        if key in seen:
            raise KustomizeError(f"{where}: {key[1]} {key[3]!r} is declared twice")
        seen.add(key)


# Patches (strategic merge)


def _apply_patch(resources: list[Resource], entry: dict[str, Any], directory: Path) -> None:
    if set(entry) - {"path", "patch", "target"}:
        raise KustomizeError(f"patch {entry}: only path, patch and target are rendered")
    text = (directory / entry["path"]).read_text() if "path" in entry else entry.get("patch")
    if not isinstance(text, str):
        raise KustomizeError(f"patch {entry}: give path or patch")
    patch = yaml.safe_load(text)
    if not isinstance(patch, dict):
        raise KustomizeError(f"patch {entry}: JSON 6902 patches are not rendered offline")
    target = entry.get("target")
    if target is None:
        matches = [
            r
            for r in resources
            if r["kind"] == patch["kind"]
            and r["metadata"]["name"] == patch["metadata"]["name"]
            and r["apiVersion"].rpartition("/")[0] == patch["apiVersion"].rpartition("/")[0]
        ]
    else:
        if set(target) - {"kind", "name"}:
            raise KustomizeError(f"patch target {target}: only kind and name are rendered")
        name = re.compile(f"^{target['name']}$") if "name" in target else None
        matches = [
            r
            for r in resources
            if ("kind" not in target or r["kind"] == target["kind"])
            and (name is None or name.match(r["metadata"]["name"]))
        ]
    if not matches:
        raise KustomizeError(f"patch {entry}: matches no resource")
    body = {k: v for k, v in patch.items() if k not in ("apiVersion", "kind")}
    if "metadata" in body:
        body["metadata"] = {
            k: v for k, v in body["metadata"].items() if k not in ("name", "namespace")
        }
    for resource in matches:
        _merge(resource, body)


def _merge(base: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            base.pop(key, None)
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        elif isinstance(value, list) and isinstance(base.get(key), list):
            base[key] = _merge_list(base[key], value)
        else:
            base[key] = value


def _merge_list(base: list[Any], patch: list[Any]) -> list[Any]:
    """Lists of named objects (containers, env, volumes) merge by name; others are replaced."""
    named = all(isinstance(i, dict) and "name" in i for i in [*base, *patch])
    if not named or not patch:
        return patch
    merged = list(base)
    for item in patch:
        for existing in merged:
            if existing["name"] == item["name"]:
                _merge(existing, item)
                break
        else:
            merged.append(item)
    return merged


# Transformers


def pod_templates(resource: Resource) -> Iterator[dict[str, Any]]:
    """The pod templates of a workload (its ``metadata`` and ``spec``)."""
    if resource["kind"] in POD_TEMPLATE_KINDS:
        yield resource["spec"]["template"]
    elif resource["kind"] == "CronJob":
        yield resource["spec"]["jobTemplate"]["spec"]["template"]


def containers(resource: Resource) -> Iterator[dict[str, Any]]:
    for template in pod_templates(resource):
        yield from template["spec"].get("initContainers", [])
        yield from template["spec"].get("containers", [])


def _apply_labels(resources: list[Resource], entry: dict[str, Any], where: Path) -> None:
    if entry.get("includeSelectors") or set(entry) - {
        "pairs",
        "includeSelectors",
        "includeTemplates",
    }:
        raise KustomizeError(f"{where}: labels with selectors or fields are not rendered")
    pairs = entry["pairs"]
    for resource in resources:
        resource["metadata"].setdefault("labels", {}).update(pairs)
        if entry.get("includeTemplates"):
            for template in pod_templates(resource):
                template.setdefault("metadata", {}).setdefault("labels", {}).update(pairs)


def _apply_replicas(resources: list[Resource], entry: dict[str, Any], where: Path) -> None:
    found = False
    for resource in resources:
        if (
            resource["kind"] in WORKLOADS_WITH_REPLICAS
            and resource["metadata"]["name"] == entry["name"]
        ):
            resource["spec"]["replicas"] = entry["count"]
            found = True
    if not found:
        raise KustomizeError(f"{where}: replicas for {entry['name']!r}: no such workload")


IMAGE = re.compile(
    r"^(?P<name>[^@]+?)(?::(?P<tag>[\w][\w.-]*))?(?:@(?P<digest>sha256:[0-9a-f]+))?$"
)


def split_image(image: str) -> tuple[str, str | None, str | None]:
    """``registry:5000/org/name:tag@sha256:…`` -> (name with registry, tag, digest)."""
    match = IMAGE.match(image)
    if match is None:
        raise KustomizeError(f"not an image reference: {image!r}")
    return match["name"], match["tag"], match["digest"]


def _apply_image(resources: list[Resource], entry: dict[str, Any], where: Path) -> None:
    if set(entry) - {"name", "newName", "newTag", "digest"}:
        raise KustomizeError(f"{where}: image {entry}: only name, newName, newTag, digest")
    found = False
    for resource in resources:
        for container in containers(resource):
            name, tag, digest = split_image(container["image"])
            if name != entry["name"]:
                continue
            found = True
            name = entry.get("newName", name)
            if "newTag" in entry:
                tag, digest = entry["newTag"], None
            if "digest" in entry:
                tag, digest = None, entry["digest"]
            container["image"] = (
                name + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")
            )
    if not found:
        raise KustomizeError(f"{where}: image {entry['name']!r} is used by no container")
