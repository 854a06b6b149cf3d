"""Checks that each stored snapshot equals the case rebuilt from its events.

Snapshots sit outside the hash chain, yet loads start from them, so a
snapshot edited in the database would change what readers see without
touching a single event. Rebuilding each case once from its events and
comparing at every snapshot version catches that.
"""

import logging
from dataclasses import replace
from typing import Any
from uuid import UUID

from adapters.application import RetentionCases
from adapters.audit_verification import ChainBreak, VerificationReport, verify_chain
from domain.catalog import ChainBreakKind
from domain.retention_case import RetentionCase

logger = logging.getLogger(__name__)


def first_altered_snapshot(app: RetentionCases, case_ids: list[UUID]) -> tuple[UUID, int] | None:
    """Return the (case id, version) of the first snapshot that differs from the replayed case."""
    if app.snapshots is None:
        return None
    for case_id in case_ids:
        snapshots = list(app.snapshots.recorder.select_events(case_id))
        if not snapshots:
            continue
        wanted = {stored.originator_version: stored for stored in snapshots}
        case: RetentionCase | None = None
        for event in app.events.get(case_id, lte=max(wanted)):
            case = event.mutate(case)
            stored = wanted.get(event.originator_version)
            if stored is not None and not _matches(app, stored, case):
                return case_id, event.originator_version
    return None


def _matches(app: RetentionCases, stored: Any, case: RetentionCase | None) -> bool:
    # NOTE: this compares decoded states, so it assumes that personal fields erased by destroying
    # their keys decode alike in snapshots and in events. The hash chain itself never decodes.
    try:
        snapshot_case = app.mapper.to_domain_event(stored).mutate(None)
    except (ValueError, KeyError, TypeError) as error:
        logger.warning(
            "snapshot unreadable case_id=%s version=%s error=%s",
            stored.originator_id,
            stored.originator_version,
            type(error).__name__,
        )
        return False
    return _state(snapshot_case) == _state(case)


def _state(case: RetentionCase | None) -> dict[str, Any]:
    return {key: value for key, value in vars(case).items() if key != "_pending_events"} if case else {}





def verify_store(app: RetentionCases, case_id: UUID | None = None) -> VerificationReport:
    """Verify the hash chain and, when it holds, the snapshots that loads start from."""
    ledger = app.recorder.audit_ledger  # type: ignore[attr-defined]
    report = verify_chain(ledger, ledger.signer, case_id)
    if not report.ok:
        return report
    altered = first_altered_snapshot(app, [case_id] if case_id else ledger.case_ids())
    if altered is None:
        return report
    altered_case, version = altered
    entry = next(entry for entry in ledger.case_entries(altered_case) if entry.version == version)
    chain_break = ChainBreak(
        ChainBreakKind.SNAPSHOT_ALTERED,
        entry.position,
        altered_case,
        version,
        f"O snapshot da versão {version} do caso {altered_case} difere do caso reconstruído pelos eventos "
        "encadeados: leituras que partem dele mostrariam dados adulterados.",
    )
    logger.warning("snapshot altered case_id=%s version=%d", altered_case, version)
    return replace(report, ok=False, chain_break=chain_break)
