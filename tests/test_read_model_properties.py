"""Property: after any sequence of valid commands, the read models equal figures computed from the events.

The expected values come from the cases rebuilt from their events
(``app.get_case``), computed here without the projection's code.
"""

import math
import random
import uuid
from collections import Counter, defaultdict
from dataclasses import asdict
from datetime import date, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.case_search import CaseFilter, search_cases
from adapters.retention_report import retention_report
from adapters.store import Store
from domain.catalog import ActionCode, Outcome, TerminationReason
from domain.retention_case import RetentionCase
from tests import case_generator

CASES = 5
AS_OF = date(2025, 6, 30)

# (case index, choice): a choice below 100 picks among the allowed triggers, 100+ runs a typical path.
steps_strategy = st.lists(st.tuples(st.integers(0, CASES - 1), st.integers(0, 100 + len(case_generator.TYPICAL_PATHS) - 1)), min_size=30, max_size=150)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps_strategy, seed=st.integers(0, 2**32 - 1))
def test_read_models_equal_event_figures(store: Store, steps: list[tuple[int, int]], seed: int) -> None:
    rng = random.Random(seed)
    operator = f"OP-{uuid.uuid4().hex[:10]}"
    cases = [case_generator.open_case(rng, operator, number) for number in range(CASES)]
    for index, choice in steps:
        if choice >= 100:
            for trigger in case_generator.TYPICAL_PATHS[choice - 100]:
                case_generator.run_trigger(rng, cases[index], trigger)
        else:
            case_generator.step(rng, cases[index], choice)
    store.app.save(*cases)
    assert store.projection is not None
    assert store.projection.wait_for(store.app.recorder.max_notification_id(), timeout=20)

    replayed = [store.app.get_case(case.id) for case in cases]
    page = search_cases(store.read_models, CaseFilter(operator=operator), limit=200)
    stored = {row["case_id"]: _comparable(row) for row in page.rows}
    assert stored == {str(case.id): expected_row(case) for case in replayed}

    report = retention_report(store.read_models, CaseFilter(operator=operator), ["uf", "month"], AS_OF)
    assert asdict(report.total) == expected_figures(replayed)
    by_group = {(group.key["uf"], group.key["month"]): asdict(group.figures) for group in report.groups}
    groups: dict[tuple[str, str], list[RetentionCase]] = defaultdict(list)
    for case in replayed:
        groups[(case.header.uf.value, case.header.started_on.isoformat()[:7])].append(case)
    assert by_group == {key: expected_figures(members) for key, members in groups.items()}


def _comparable(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key not in ("updated_at", "dentist_name_key")}


def expected_row(case: RetentionCase) -> dict[str, Any]:
    header = case.header
    basis = case.conclusion or case.proposal
    return {
        "case_id": str(case.id),
        "version": case.version,
        "status": case.status.value,
        "operator": header.operator,
        "uf": header.uf.value,
        "city": header.city,
        "collaborator": header.collaborator,
        "assignee_id": case.assignee_id,
        "dentist_name": header.provider.dentist_name,
        "cro_number": header.provider.cro.number,
        "cro_uf": header.provider.cro.uf.value,
        "protocol_number": header.protocol_number,
        "demanded_by": header.demanded_by.value,
        "opened_at": case.opened_at.astimezone(timezone.utc).isoformat(),
        "started_on": header.started_on.isoformat(),
        "ended_on": basis.ended_on.isoformat() if basis else None,
        "proposed_outcome": case.proposal.outcome.value if case.proposal else None,
        "outcome": case.conclusion.outcome.value if case.conclusion else None,
        "concluded_on": case.conclusion.ended_on.isoformat() if case.conclusion else None,
        "reasons": ",".join(reason.value for reason in basis.reasons) if basis else "",
        "actions": ",".join(action.code.value for action in case.actions),
        "attempt_count": len(case.attempts),
        "reopen_count": case.reopen_count,
    }


def expected_figures(cases: list[RetentionCase]) -> dict[str, Any]:
    concluded = [case for case in cases if case.conclusion is not None]
    outcomes = Counter(case.conclusion.outcome.value for case in concluded)  # type: ignore[union-attr]
    reasons = Counter(
        reason.value
        for case in concluded
        if case.conclusion.outcome is Outcome.TERMINATED  # type: ignore[union-attr]
        for reason in case.conclusion.reasons  # type: ignore[union-attr]
    )
    offered = Counter(action.code.value for case in cases for action in case.actions)
    bands = {"0-7": 0, "8-15": 0, "16-30": 0, "31-60": 0, "61-90": 0, "91+": 0}
    for case in cases:
        if case.conclusion is None:
            age = (AS_OF - case.header.started_on).days
            limits = [(7, "0-7"), (15, "8-15"), (30, "16-30"), (60, "31-60"), (90, "61-90")]
            bands[next((band for limit, band in limits if age <= limit), "91+")] += 1
    by_action = {}
    for code in ActionCode:
        with_action = [case for case in cases if any(action.code is code for action in case.actions)]
        kept = sum(1 for case in with_action if case.conclusion and case.conclusion.outcome is Outcome.RETAINED)
        lost = sum(1 for case in with_action if case.conclusion and case.conclusion.outcome is Outcome.TERMINATED)
        by_action[code.value] = {"cases": len(with_action), "retained": kept, "terminated": lost,
                                 "retention_rate": _rate(kept, lost)}  # fmt: skip
    return {
        "cases": len(cases),
        "open_cases": len(cases) - len(concluded),
        "outcomes": {code.value: outcomes[code.value] for code in Outcome},
        "retention_rate": _rate(outcomes["retained"], outcomes["terminated"]),
        "termination_reasons": {code.value: reasons[code.value] for code in TerminationReason},
        "actions_offered": {code.value: offered[code.value] for code in ActionCode},
        "days_to_finish": _distribution(
            [(case.conclusion.ended_on - case.header.started_on).days for case in concluded]  # type: ignore[union-attr]
        ),
        "open_by_age": bands,
        "contact_attempts": _distribution([len(case.attempts) for case in cases]),
        "retention_by_action": by_action,
    }


def _rate(kept: int, lost: int) -> float | None:
    return round(kept / (kept + lost), 4) if kept + lost else None


def _distribution(values: list[int]) -> dict[str, Any]:
    if not values:
        return {"count": 0, "mean": None, "median": None, "p90": None}
    ordered = sorted(values)
    n = len(ordered)
    middle = n // 2
    median = ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    rank = 0.9 * (n - 1)
    low = math.floor(rank)
    high = min(low + 1, n - 1)
    p90 = ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
    return {"count": n, "mean": round(sum(ordered) / n, 2), "median": round(float(median), 2), "p90": round(p90, 2)}
