"""The HTTP API: ``create_app(settings)`` wires the store, keys, routes and error handling."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from adapters.settings import Settings
from adapters.store import Store, open_store
from api.auth import KeyRing
from api.jwt_auth import JwtVerifier
from api.middleware import RequestGuard, RequestId
from api.problems import install_problem_handlers
from api.query_guard import reject_unknown_query_parameters
from api.rate_limit import RateLimiter
from api.routes import audit, case_search, cases, commands, dossier, events, lgpd, projections, reference, reports
from api.security_headers import SecurityHeaders

logger = logging.getLogger(__name__)

DESCRIPTION = """
API do processo de retenção de dentistas credenciados.

Cada caso é um agregado com eventos: abrir, tentar contato, ofertar ações,
registrar recusa ou aceite, propor e aprovar a conclusão. Autentique com
`Authorization: Bearer <chave>`. Erros seguem a RFC 9457 (`application/problem+json`)
com mensagens em português.
"""


def create_app(settings: Settings, store: Store | None = None, keys: KeyRing | None = None) -> FastAPI:
    """Build the API. Without ``store`` it opens one on start-up and closes it on shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = store is None
        app.state.store = store or open_store(settings)
        if owned and settings.serve_projections:
            app.state.store.start_projections()
        logger.info("api started database=%s", "postgresql" if settings.is_postgres else "sqlite")
        try:
            yield
        finally:
            if owned:
                app.state.store.close()
            logger.info("api stopped")

    app = FastAPI(
        title="retencao",
        version="1.0.0",
        summary="Casos de retenção da rede credenciada odontológica",
        description=DESCRIPTION,
        lifespan=lifespan,
        dependencies=[Depends(reject_unknown_query_parameters)],
    )
    app.state.settings = settings
    app.state.keys = keys or KeyRing.load(settings.api_keys_file)
    app.state.jwt = JwtVerifier(settings) if settings.jwt_enabled else None
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
    if store is not None:
        app.state.store = store

    install_problem_handlers(app)
    app.include_router(case_search.router)
    app.include_router(cases.router)
    app.include_router(commands.router)
    app.include_router(reference.router)
    app.include_router(lgpd.router)
    app.include_router(audit.router)
    app.include_router(dossier.router)
    app.include_router(events.router)
    app.include_router(reports.router)
    app.include_router(projections.router)

    # Each add_middleware wraps the previous ones, so RequestId runs before RequestGuard
    # and even a body rejected with 413 or 415 gets an X-Request-ID and a log line.
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(RequestId)
    if settings.cors_allow_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_allow_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key", "X-Request-ID"],
                           expose_headers=["ETag", "Location", "X-Request-ID"])  # fmt: skip
    app.add_middleware(SecurityHeaders)
    return app
