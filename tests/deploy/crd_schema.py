"""JSON schemas for custom resources from their CustomResourceDefinitions.

    python -m tests.deploy.crd_schema CRD.yaml [CRD.yaml …]

writes ``deploy/k8s/schemas/<group>/<kind>_<version>.json`` for every served version of every
CRD in the files (e.g. the operator's release manifest, or ``helm show crds``): the version's
``openAPIV3Schema`` made strict (unknown fields rejected wherever properties are listed and the
CRD does not preserve unknown fields), as the tests validate custom resources (decision 0093).
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

import yaml

SCHEMAS = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "schemas"


def strict(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of an OpenAPI v3 schema in which listed properties are the only ones allowed."""
    result = copy.deepcopy(schema)

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if (
                "properties" in node
                and "additionalProperties" not in node
                and not node.get("x-kubernetes-preserve-unknown-fields")
            ):
                node["additionalProperties"] = False
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(result)
    return result


def schemas_of(crd: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``<group>/<kind>_<version>.json`` -> the strict JSON schema of that version."""
    if crd.get("kind") != "CustomResourceDefinition":
        return {}
    spec = crd["spec"]
    group, kind = spec["group"], spec["names"]["kind"]
    result = {}
    for version in spec["versions"]:
        if not version.get("served", True):
            continue
        schema = strict(version["schema"]["openAPIV3Schema"])
        schema.setdefault("properties", {})
        schema["properties"]["apiVersion"] = {"const": f"{group}/{version['name']}"}
        schema["properties"]["kind"] = {"const": kind}
        schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind"})
        schema["title"] = f"{kind} ({group}/{version['name']})"
        result[f"{group}/{kind.lower()}_{version['name']}.json"] = schema
    return result


def main(paths: list[str]) -> None:
    for path in paths:
        for document in yaml.safe_load_all(Path(path).read_text()):
            for name, schema in schemas_of(document or {}).items():
                target = SCHEMAS / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(json.dumps(schema, indent=2) + "\n")
                print(f"wrote {target.relative_to(SCHEMAS.parents[2])}")


if __name__ == "__main__":
    main(sys.argv[1:])
