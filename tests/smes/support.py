"""Plain helpers for the smes tests: identities, bodies and response checks."""

from __future__ import annotations

from typing import Any

import httpx

from sela_testing.support import error_names as error_names
from sela_testing.support import identity_headers
from sela_testing.support import problem as problem


# Made per request: identity tokens live a minute, shorter than a whole test session.
def staff() -> dict[str, str]:
    return identity_headers("staff", subject="staff-1")


def owner(subject: str) -> dict[str, str]:
    return identity_headers("sme_owner", subject=subject)


def verified(subject: str = "reader-1") -> dict[str, str]:
    """A signed-in person without any special role."""
    return identity_headers(subject=subject)


def api_key() -> dict[str, str]:
    return identity_headers("partner", kind="api_key", subject="key-1")


def anonymous() -> dict[str, str]:
    return identity_headers(kind="anonymous")


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def enterprise(tax_id: str, **overrides: Any) -> dict[str, Any]:
    """A valid create body: a small Chilean coffee roaster."""
    body: dict[str, Any] = {
        "legal_name": "Café Altiplano S.A.",
        "trade_name": "Altiplano",
        "description": "Tostadores de café de especialidad para exportación",
        "country": "CHL",
        "tax_id": tax_id,
        "isic": "10",
        "products": ["0901", "2101"],
        "export_markets": ["USA", "DEU"],
        "target_markets": ["IND"],
        "certifications": ["Fairtrade"],
        "founded_year": 2008,
        "employees": 20,
        "annual_sales_usd": 500_000,
        "website": "https://altiplano.example",
        "contacts": [{"name": "Ana Pérez", "email": "ana@altiplano.example", "role": "CEO"}],
        "consent_listed": True,
        "consent_contact": True,
    }
    body.update(overrides)
    return body


async def create(client: httpx.AsyncClient, tax_id: str, **overrides: Any) -> dict[str, Any]:
    created: dict[str, Any] = await ok(
        await client.post("/enterprises", json=enterprise(tax_id, **overrides), headers=staff()),
        201,
    )
    return created
