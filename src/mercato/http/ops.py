"""Operational endpoints: liveness, readiness (database reachable), Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy import text

from mercato.http.deps import ContainerDep
from mercato.http.problems import problem_response

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is alive")
async def healthz() -> dict[str, str]:
    """Liveness: answers as long as the event loop runs."""
    return {"status": "ok"}


@router.get("/readyz", summary="The database is reachable")
async def readyz(container: ContainerDep) -> Response:
    """Readiness: 200 when a query round-trips to PostgreSQL, else 503."""
    try:
        async with container.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means not ready
        return problem_response(
            status=503,
            code="not-ready",
            title="Not ready",
            detail="the database is not reachable",
            retryable=True,
            headers={"Retry-After": "1"},
        )
    return Response(b'{"status":"ready"}', media_type="application/json")


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Every metric of this process in Prometheus text format."""
    registry: CollectorRegistry = request.app.state.metrics_registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
