"""JSON view of an audit chain verification report, in pt-BR where people read it."""

from typing import Any

from adapters.audit_verification import VerificationReport


def present_verification(report: VerificationReport) -> dict[str, Any]:
    checkpoint = report.checkpoint
    chain_break = report.chain_break
    return {
        "ok": report.ok,
        "result": "Cadeia íntegra" if report.ok else "Cadeia violada",
        "checked_at": report.checked_at.isoformat(),
        "case_id": str(report.case_id) if report.case_id else None,
        "event_count": report.event_count,
        "head": {"position": report.head_position, "link": report.head_link},
        "checkpoint": None
        if checkpoint is None
        else {
            "position": checkpoint.position,
            "link": checkpoint.link.hex(),
            "signed_at": checkpoint.signed_at.isoformat(),
            "key_id": checkpoint.key_id,
        },
        "checkpoints_checked": report.checkpoints_checked,
        "break": None
        if chain_break is None
        else {
            "kind": chain_break.kind.value,
            "kind_label": chain_break.label,
            "position": chain_break.position,
            "case_id": str(chain_break.case_id) if chain_break.case_id else None,
            "version": chain_break.version,
            "detail": chain_break.detail,
        },
        "notes": report.notes,
    }
