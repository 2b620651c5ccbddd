"""The route policy: which operations are public, which need a login or a key, which roles."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from sela_kit.errors import ForbiddenError, UnauthorizedError
from sela_kit.identity import ROLES, Identity

DEFAULT_POLICY = Path(__file__).with_name("policy.json")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Rule(BaseModel):
    service: str = "*"
    methods: list[str] = Field(min_length=1)
    path: str = Field(description="Glob below /api/v1/<service>: * one segment, ** any depth")
    access: Literal["public", "authenticated", "roles"]
    roles: list[str] = Field(default_factory=list)


class PolicyDocument(BaseModel):
    description: str = ""
    rules: list[Rule]


def _glob_to_regex(glob: str) -> re.Pattern[str]:
    parts = []
    for piece in re.split(r"(\*\*|\*)", glob):
        if piece == "**":
            parts.append(".*")
        elif piece == "*":
            parts.append("[^/]+")
        else:
            parts.append(re.escape(piece))
    pattern = "".join(parts)
    if glob.endswith("/**"):
        pattern = pattern[: -len("/.*")] + "(/.*)?"
    return re.compile(f"^{pattern}$")


@dataclass(frozen=True)
class CompiledRule:
    service: str
    methods: frozenset[str]
    path: re.Pattern[str]
    access: str
    roles: frozenset[str]


class RoutePolicy:
    def __init__(self, document: PolicyDocument) -> None:
        unknown = {r for rule in document.rules for r in rule.roles} - set(ROLES)
        if unknown:
            raise ValueError(f"policy names unknown roles: {sorted(unknown)}")
        self.rules = [
            CompiledRule(
                rule.service,
                frozenset(m.upper() for m in rule.methods),
                _glob_to_regex(rule.path),
                rule.access,
                frozenset(rule.roles),
            )
            for rule in document.rules
        ]

    @classmethod
    def load(cls, path: Path = DEFAULT_POLICY) -> RoutePolicy:
        return cls(PolicyDocument.model_validate(json.loads(path.read_text())))

    def rule_for(self, service: str, method: str, path: str) -> CompiledRule | None:
        for rule in self.rules:
            if rule.service in ("*", service) and method in rule.methods and rule.path.match(path):
                return rule
        return None

    def is_public(self, service: str, method: str, path: str) -> bool:
        rule = self.rule_for(service, "GET" if method == "OPTIONS" else method, path)
        return rule is not None and rule.access == "public"

    def check(self, service: str, method: str, path: str, identity: Identity) -> bool:
        """Raise 401/403 errors for a refused call; return whether the route is public."""
        rule = self.rule_for(service, "GET" if method == "OPTIONS" else method, path)
        if rule is None:
            raise ForbiddenError(f"No policy allows {method} on this route.", code="no_policy")
        if rule.access == "public":
            return True
        if not identity.authenticated:
            raise UnauthorizedError(
                "This operation needs a signed-in user (Authorization: Bearer) or an API key "
                "(X-API-Key).",
                headers={"WWW-Authenticate": 'Bearer realm="sela"'},
            )
        if rule.access == "roles" and not identity.has_any_role(rule.roles | {"admin"}):
            raise ForbiddenError(
                f"This operation needs one of the roles: {', '.join(sorted(rule.roles))}.",
                extra={"required_roles": sorted(rule.roles)},
            )
        if identity.kind == "api_key":
            needed = f"{service}:{'read' if method in SAFE_METHODS else 'write'}"
            if "*" not in identity.scopes and needed not in identity.scopes:
                raise ForbiddenError(
                    f"This API key lacks the scope {needed}.",
                    code="insufficient_scope",
                    extra={"required_scope": needed},
                )
        return False
