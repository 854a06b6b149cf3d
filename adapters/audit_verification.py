"""Verification of the audit chain against the stored events and the signed checkpoints.

The chain is walked in position order and stops at the first break, so the
report names the earliest event that no longer matches what was recorded.
Checkpoints then catch a chain rewritten consistently from some position
on, and an anti-join catches events inserted without a link.
"""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from adapters.audit_chain import GENESIS_LINK, ChainEntry, event_digest, next_link
from adapters.audit_ledger import AuditLedger
from adapters.audit_signing import Checkpoint, CheckpointSigner
from domain.catalog import ChainBreakKind, label

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000


@dataclass(frozen=True)
class ChainBreak:
    """The first place where the stored record and the chain disagree."""

    kind: ChainBreakKind
    position: int
    case_id: UUID | None
    version: int | None
    detail: str

    @property
    def label(self) -> str:
        return label(self.kind)


@dataclass(frozen=True)
class VerificationReport:
    ok: bool
    checked_at: datetime
    case_id: UUID | None
    event_count: int
    head_position: int
    head_link: str
    checkpoint: Checkpoint | None
    checkpoints_checked: bool
    chain_break: ChainBreak | None = None
    notes: list[str] = field(default_factory=list)


class _Walk:
    """State of one pass over the chain."""

    def __init__(self, case_id: UUID | None, checkpoint_positions: set[int]) -> None:
        self.case_id = case_id
        self.previous_link = GENESIS_LINK
        self.position = 0
        self.next_versions: dict[UUID, int] = {}
        self.event_count = 0
        self.links_at_checkpoints: dict[int, bytes] = {}
        self.checkpoint_positions = checkpoint_positions
        self.chain_break: ChainBreak | None = None


def verify_chain(ledger: AuditLedger, signer: CheckpointSigner | None, case_id: UUID | None = None) -> VerificationReport:
    """Check every link, every stored event (or one case's) and every checkpoint."""
    checkpoints = ledger.checkpoints()
    walk = _Walk(case_id, {checkpoint.position for checkpoint in checkpoints})
    after = 0
    while walk.chain_break is None:
        entries = ledger.entries(after, BATCH_SIZE)
        _check_batch(ledger, walk, entries)
        if len(entries) < BATCH_SIZE:
            break
        after = entries[-1].position

    checkpoint_break, last_good = _check_checkpoints(ledger, walk, checkpoints, signer)
    chain_break = _earliest(walk.chain_break, checkpoint_break)
    if chain_break is None:
        unchained = ledger.first_unchained_event(case_id)
        if unchained is not None:
            chain_break = ChainBreak(
                ChainBreakKind.EVENT_NOT_IN_CHAIN,
                walk.position + 1,
                unchained[0],
                unchained[1],
                f"O evento versão {unchained[1]} do caso {unchained[0]} está gravado mas não tem elo na cadeia.",
            )

    notes = [] if signer is not None else ["Chave de assinatura ausente: checkpoints não conferidos."]
    uncovered = walk.position - (last_good.position if last_good else 0)
    if chain_break is None and uncovered:
        notes.append(
            f"{uncovered} evento(s) depois do último checkpoint assinado: uma reescrita desse trecho "
            "só é detectada a partir do próximo checkpoint."
        )
    report = VerificationReport(
        ok=chain_break is None,
        checked_at=datetime.now(UTC),
        case_id=case_id,
        event_count=walk.event_count,
        head_position=walk.position,
        head_link=walk.previous_link.hex(),
        checkpoint=last_good,
        checkpoints_checked=signer is not None,
        chain_break=chain_break,
        notes=notes,
    )
    if chain_break is None:
        logger.info("audit chain verified events=%d head=%d case_id=%s", walk.event_count, walk.position, case_id)
    else:
        logger.warning(
            "audit chain broken kind=%s position=%d case_id=%s version=%s",
            chain_break.kind,
            chain_break.position,
            chain_break.case_id,
            chain_break.version,
        )
    return report


def _check_batch(ledger: AuditLedger, walk: _Walk, entries: list[ChainEntry]) -> None:
    wanted = [(e.case_id, e.version) for e in entries if walk.case_id is None or e.case_id == walk.case_id]
    stored = ledger.stored_events(wanted)
    for entry in entries:
        found = _check_entry(ledger, walk, entry, stored)
        if found is not None:
            walk.chain_break = found
            return
        walk.position = entry.position
        walk.previous_link = entry.link
        walk.next_versions[entry.case_id] = entry.version + 1
        if entry.position in walk.checkpoint_positions:
            walk.links_at_checkpoints[entry.position] = entry.link


def _check_entry(ledger: AuditLedger, walk: _Walk, entry: ChainEntry, stored: dict) -> ChainBreak | None:  # type: ignore[type-arg]
    where = f"versão {entry.version} do caso {entry.case_id} (posição {entry.position} da cadeia)"
    if entry.position != walk.position + 1:
        return ChainBreak(
            ChainBreakKind.LINK_MISSING,
            walk.position + 1,
            entry.case_id,
            entry.version,
            f"Faltam os elos das posições {walk.position + 1} a {entry.position - 1}, antes da {where}.",
        )
    if next_link(walk.previous_link, entry.digest) != entry.link:
        return ChainBreak(
            ChainBreakKind.LINK_BROKEN,
            entry.position,
            entry.case_id,
            entry.version,
            f"O elo da {where} não resulta do elo anterior e do resumo do evento.",
        )
    expected_version = walk.next_versions.get(entry.case_id, 1)
    if entry.version != expected_version:
        return ChainBreak(
            ChainBreakKind.VERSION_OUT_OF_ORDER,
            entry.position,
            entry.case_id,
            entry.version,
            f"A cadeia registra a {where}, mas a próxima versão esperada do caso era {expected_version}.",
        )
    if walk.case_id is not None and entry.case_id != walk.case_id:
        return None

    event = stored.get((entry.case_id, entry.version))
    if event is None:
        return ChainBreak(
            ChainBreakKind.EVENT_DELETED,
            entry.position,
            entry.case_id,
            entry.version,
            f"A {where} está na cadeia mas não existe mais entre os eventos gravados.",
        )
    digest = event_digest(entry.case_id, entry.version, event.topic, event.state, entry.recorded_at)
    if digest != entry.digest:
        moved_from = _original_version(ledger, entry, event)
        if moved_from is not None:
            return ChainBreak(
                ChainBreakKind.EVENT_MOVED,
                entry.position,
                entry.case_id,
                entry.version,
                f"O conteúdo gravado como {where} foi encadeado como versão {moved_from}.",
            )
        return ChainBreak(
            ChainBreakKind.EVENT_ALTERED,
            entry.position,
            entry.case_id,
            entry.version,
            f"O conteúdo gravado da {where} difere do que foi encadeado.",
        )
    walk.event_count += 1
    return None


def _original_version(ledger: AuditLedger, entry: ChainEntry, event) -> int | None:  # type: ignore[no-untyped-def]
    """Find the version of the same case whose link matches this stored content, if any."""
    for other in ledger.case_entries(entry.case_id):
        if other.version == entry.version:
            continue
        if event_digest(other.case_id, other.version, event.topic, event.state, other.recorded_at) == other.digest:
            return other.version
    return None


def _check_checkpoints(
    ledger: AuditLedger, walk: _Walk, checkpoints: list[Checkpoint], signer: CheckpointSigner | None
) -> tuple[ChainBreak | None, Checkpoint | None]:
    """Return the first checkpoint break, and the last checkpoint that matched before it."""
    last_good: Checkpoint | None = None
    for checkpoint in checkpoints:
        if signer is not None and (checkpoint.key_id != signer.key_id or not signer.is_valid(checkpoint)):
            return (
                ChainBreak(
                    ChainBreakKind.CHECKPOINT_SIGNATURE_INVALID,
                    checkpoint.position,
                    None,
                    None,
                    f"O checkpoint da posição {checkpoint.position} não tem assinatura válida da chave {signer.key_id}.",
                ),
                last_good,
            )
        if checkpoint.position > walk.position:
            if walk.chain_break is not None:
                break
            return (
                ChainBreak(
                    ChainBreakKind.CHAIN_TRUNCATED,
                    walk.position + 1,
                    None,
                    None,
                    f"O checkpoint assinado cobre {checkpoint.position} elos, mas a cadeia tem {walk.position}: "
                    "elos e eventos do fim foram removidos.",
                ),
                last_good,
            )
        if walk.links_at_checkpoints.get(checkpoint.position) != checkpoint.link:
            start = (last_good.position if last_good else 0) + 1
            first = ledger.entry_at(start)
            return (
                ChainBreak(
                    ChainBreakKind.CHAIN_REWRITTEN,
                    start,
                    first.case_id if first else None,
                    first.version if first else None,
                    f"O elo da posição {checkpoint.position} difere do checkpoint assinado em "
                    f"{checkpoint.signed_at:%d/%m/%Y %H:%M:%S} UTC: a cadeia foi recalculada a partir de algum "
                    f"ponto entre as posições {start} e {checkpoint.position}.",
                ),
                last_good,
            )
        last_good = checkpoint
    return None, last_good


def _earliest(first: ChainBreak | None, second: ChainBreak | None) -> ChainBreak | None:
    candidates = [item for item in (first, second) if item is not None]
    return min(candidates, key=lambda item: item.position) if candidates else None
