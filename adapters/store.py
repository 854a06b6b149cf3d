"""Builds the running system from settings: the application, its read model and their tables."""

import logging
from dataclasses import dataclass

from adapters.access_log import AccessLog
from adapters.application import RetentionCases
from adapters.audit_signing import CheckpointSigner
from adapters.case_summary import CaseSummaryProjection, PostgresCaseSummaryView, SQLiteCaseSummaryView
from adapters.projection_runner import ProjectionThread
from adapters.settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class Store:
    app: RetentionCases
    case_summary: SQLiteCaseSummaryView | PostgresCaseSummaryView
    projection: ProjectionThread | None = None
    access_log: AccessLog | None = None

    def start_projections(self) -> None:
        projection = CaseSummaryProjection(view=self.case_summary)
        self.projection = ProjectionThread(self.app, projection)
        self.projection.start()

    def close(self) -> None:
        if self.projection is not None:
            self.projection.stop()
        self.app.close()


def open_store(settings: Settings, *, create_tables: bool = False) -> Store:
    """Connect to the configured database; create missing tables only when asked."""
    app = RetentionCases(settings, create_tables=create_tables)
    app.recorder.poll_interval = settings.projection_poll_seconds  # type: ignore[attr-defined]
    _configure_audit(app, settings)
    view_class = PostgresCaseSummaryView if settings.is_postgres else SQLiteCaseSummaryView
    view = app.factory.tracking_recorder(view_class)
    access_log = AccessLog(app.recorder.datastore, is_postgres=settings.is_postgres)  # type: ignore[attr-defined]
    if create_tables:
        access_log.create_tables()
    return Store(app=app, case_summary=view, access_log=access_log)


def _configure_audit(app: RetentionCases, settings: Settings) -> None:
    ledger = app.recorder.audit_ledger  # type: ignore[attr-defined]
    ledger.checkpoint_interval = settings.audit_checkpoint_interval
    if settings.audit_signing_key_file.exists():
        ledger.signer = CheckpointSigner.from_file(settings.audit_signing_key_file)
    else:
        logger.warning("audit signing key missing path=%s: no checkpoints will be signed", settings.audit_signing_key_file)


def migrate(settings: Settings) -> None:
    """Create every table the system uses, if missing. Safe to run again."""
    store = open_store(settings, create_tables=True)
    store.close()
    logger.info("schema ready database=%s", "postgresql" if settings.is_postgres else "sqlite")
