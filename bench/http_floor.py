"""The cheapest write a Python HTTP service can serve here: the events benchmark's floor.

One FastAPI route on uvicorn (the same server settings as the services) that validates a small
JSON body with pydantic and inserts one row through an asyncpg pool. No identity, no lock, no
outbox, no middleware. Measured by the events benchmark with the same clients as the
registrations, it shows how much of the single-row insert rate any HTTP service written this
way can keep on this machine, so the registration figures can be read against it.

Run as ``python -m bench.http_floor --port P --dsn postgresql://…``.
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import uvicorn
from fastapi import FastAPI, Request
from pydantic import BaseModel, EmailStr


class Row(BaseModel):
    first_name: str
    last_name: str
    email: EmailStr
    category: str
    country: str


def create_app(dsn: str, pool_size: int) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(dsn, min_size=pool_size, max_size=pool_size)
        try:
            yield
        finally:
            await app.state.pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/readyz")
    async def ready() -> dict[str, str]:
        return {"status": "ready"}

    @app.post("/rows", status_code=201)
    async def insert(row: Row, request: Request) -> dict[str, str]:
        row_id = uuid.uuid4()
        await request.app.state.pool.execute(
            "INSERT INTO bench_rows (id, email) VALUES ($1, $2)", row_id, row.email
        )
        return {"id": str(row_id), "state": "confirmed"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--pool-size", type=int, default=20)
    args = parser.parse_args()
    uvicorn.run(
        create_app(args.dsn, args.pool_size),
        host="127.0.0.1",
        port=args.port,
        log_config=None,
        access_log=False,
        server_header=False,
        lifespan="on",
    )


if __name__ == "__main__":
    main()
