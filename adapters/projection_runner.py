"""Runs a projection in a background thread of the current process.

The thread follows the application's notification log from the view's
last tracked position: on PostgreSQL it is woken by LISTEN/NOTIFY, on
SQLite the recorder's subscription polls.
"""

import logging
import threading
import time

from eventsourcing.projection import ApplicationSubscription, Projection

from adapters.application import RetentionCases

logger = logging.getLogger(__name__)


class ProjectionThread:
    def __init__(self, app: RetentionCases, projection: Projection) -> None:
        self.app = app
        self.projection = projection
        self.view = projection.view
        self._subscription: ApplicationSubscription | None = None
        self._thread = threading.Thread(target=self._run, name=f"projection-{projection.name}", daemon=True)
        self._started = threading.Event()
        self.error: BaseException | None = None

    def start(self) -> None:
        self._thread.start()
        self._started.wait(timeout=10)

    def _run(self) -> None:
        position = self.view.max_tracking_id(self.app.name)
        logger.info("projection started name=%s position=%s", self.projection.name, position)
        try:
            self._subscription = ApplicationSubscription(app=self.app, gt=position, topics=self.projection.topics)
            self._started.set()
            with self._subscription as subscription:
                for domain_event, tracking in subscription:
                    self.projection.process_event(domain_event, tracking)
        except BaseException as error:
            self.error = error
            logger.exception("projection failed name=%s", self.projection.name)
        finally:
            self._started.set()
            logger.info("projection stopped name=%s", self.projection.name)

    def stop(self) -> None:
        if self._subscription is not None:
            self._subscription.stop()
        self._thread.join(timeout=10)

    def position(self) -> int:
        return self.view.max_tracking_id(self.app.name) or 0

    def wait_for(self, position: int | None, timeout: float = 5.0) -> bool:
        """Block until the view has applied ``position``; return False on timeout."""
        if not position:
            return True
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.view.has_tracking_id(self.app.name, position):
                return True
            if self.error is not None:
                return False
            time.sleep(0.02)
        return False

