"""Builds the running system from settings: the application, its read models and their tables."""

import logging
from dataclasses import dataclass

from adapters.access_log import AccessLog
from adapters.application import RetentionCases
from adapters.audit_signing import CheckpointSigner
from adapters.projections.database import ReadDatabase
from adapters.projections.runner import ProjectionThread, ProjectionWorker
from adapters.settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class Store:
    app: RetentionCases
    read_models: ReadDatabase
    projection: ProjectionThread | None = None
    access_log: AccessLog | None = None

    def projection_worker(self) -> ProjectionWorker:
        settings = self.app.settings
        return ProjectionWorker(
            self.app,
            self.read_models,
            batch_size=settings.projection_batch_size,
            poll_seconds=settings.projection_poll_seconds,
            settle_seconds=settings.projection_settle_seconds,
        )

    def start_projections(self) -> None:
        """Run the projections in a thread of this process, a standby while another worker has the lock."""
        self.projection = ProjectionThread(self.projection_worker())
        self.projection.start()

    def close(self) -> None:
        if self.projection is not None:
            self.projection.stop()
        self.read_models.close()
        self.app.close()


def open_store(settings: Settings, *, create_tables: bool = False) -> Store:
    """Connect to the configured database; create missing tables only when asked."""
    app = RetentionCases(settings, create_tables=create_tables)
    app.recorder.poll_interval = settings.projection_poll_seconds  # type: ignore[attr-defined]
    _configure_audit(app, settings)
    read_models = ReadDatabase(settings)
    access_log = AccessLog(app.recorder.datastore, is_postgres=settings.is_postgres)  # type: ignore[attr-defined]
    if create_tables:
        read_models.create_tables()
        access_log.create_tables()
    return Store(app=app, read_models=read_models, access_log=access_log)


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
