"""The conversion of a CustomResourceDefinition into the strict schema the tests validate with."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from tests.deploy.crd_schema import schemas_of

CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.org"},
    "spec": {
        "group": "example.org",
        "names": {"kind": "Widget", "plural": "widgets"},
        "scope": "Namespaced",
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "apiVersion": {"type": "string"},
                            "kind": {"type": "string"},
                            "metadata": {"type": "object"},
                            "spec": {
                                "type": "object",
                                "required": ["size"],
                                "properties": {
                                    "size": {"type": "integer", "minimum": 1},
                                    "extra": {
                                        "type": "object",
                                        "x-kubernetes-preserve-unknown-fields": True,
                                        "properties": {"known": {"type": "string"}},
                                    },
                                    "labels": {
                                        "type": "object",
                                        "additionalProperties": {"type": "string"},
                                    },
                                },
                            },
                        },
                    }
                },
            },
            {"name": "v0", "served": False, "storage": False, "schema": {}},
        ],
    },
}


def widget(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "example.org/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": spec,
    }


def test_served_versions_become_strict_schemas() -> None:
    schemas = schemas_of(CRD)
    assert list(schemas) == ["example.org/widget_v1.json"]
    validator = jsonschema.Draft7Validator(schemas["example.org/widget_v1.json"])
    validator.validate(widget(size=2, extra={"anything": 1}, labels={"a": "b"}))
    for bad in (
        widget(size=2, colour="red"),  # unknown field
        widget(size=0),  # below the minimum
        widget(),  # required field missing
        {**widget(size=1), "apiVersion": "example.org/v2"},
        {**widget(size=1), "kind": "Gadget"},
    ):
        with pytest.raises(jsonschema.ValidationError):
            validator.validate(bad)


def test_other_documents_are_ignored() -> None:
    assert schemas_of({"kind": "ConfigMap"}) == {}
