"""The retention report: figures per group of cases, computed from the case summary.

Retention rate is retained / (retained + terminated); cases concluded as
"not a retention case" count in neither. Time to finish is measured in
days from the start date to the end date of the approved conclusion,
like the form's "Tempo finalização". Age bands of open cases count days
from the start date to ``as_of``. The month group is the start date's month.
"""

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from adapters.case_search import CaseFilter, where_clause
from adapters.projections import case_summary
from adapters.projections.case_summary import split_codes
from adapters.projections.database import ReadDatabase
from domain.catalog import ActionCode, Outcome, TerminationReason

GROUP_KEYS = ("operator", "uf", "city", "collaborator", "month")

# (label, first day, last day or None for no upper bound), in days since the start date.
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0-7", 0, 7),
    ("8-15", 8, 15),
    ("16-30", 16, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("91+", 91, None),
)

_COLUMNS = (
    "operator", "uf", "city", "collaborator", "started_on", "outcome", "concluded_on", "reasons", "actions",
    "attempt_count",
)  # fmt: skip


@dataclass(frozen=True)
class Distribution:
    count: int
    mean: float | None
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class ActionRetention:
    cases: int
    retained: int
    terminated: int
    retention_rate: float | None


@dataclass(frozen=True)
class GroupFigures:
    cases: int
    open_cases: int
    outcomes: dict[str, int]
    retention_rate: float | None
    termination_reasons: dict[str, int]
    actions_offered: dict[str, int]
    days_to_finish: Distribution
    open_by_age: dict[str, int]
    contact_attempts: Distribution
    retention_by_action: dict[str, ActionRetention]


@dataclass(frozen=True)
class ReportGroup:
    key: dict[str, str]
    figures: GroupFigures


@dataclass(frozen=True)
class RetentionReport:
    position: int
    as_of: date
    group_by: tuple[str, ...]
    total: GroupFigures
    groups: list[ReportGroup] = field(default_factory=list)


def retention_report(
    db: ReadDatabase, case_filter: CaseFilter, group_by: Sequence[str], as_of: date
) -> RetentionReport:
    """Compute the report over the cases matching ``case_filter``, in one read snapshot."""
    # NOTE: the figures are aggregated in Python over every matching row, which takes seconds
    # for an unfiltered report over 100 000+ cases (see docs/benchmarks.md). SQL aggregation would be faster.
    where, params = where_clause(case_filter)
    with db.transaction() as cursor:
        cursor.execute(db.sql(f"SELECT {', '.join(_COLUMNS)} FROM {case_summary.NAME}{where}"), params)
        rows = cursor.fetchall()
        position = db.read_position(cursor, case_summary.NAME)
    return build_report(rows, group_by, as_of, position)


def build_report(rows: Iterable[dict[str, Any]], group_by: Sequence[str], as_of: date, position: int) -> RetentionReport:
    rows = list(rows)
    grouped: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[tuple(_group_value(row, key) for key in group_by)].append(row)
    groups = [
        ReportGroup(key=dict(zip(group_by, values, strict=True)), figures=group_figures(members, as_of))
        for values, members in sorted(grouped.items())
    ]
    return RetentionReport(
        position=position, as_of=as_of, group_by=tuple(group_by), total=group_figures(rows, as_of), groups=groups
    )


def _group_value(row: dict[str, Any], key: str) -> str:
    if key == "month":
        return str(row["started_on"])[:7]
    return str(row[key])


def group_figures(rows: Sequence[dict[str, Any]], as_of: date) -> GroupFigures:
    outcomes = Counter(row["outcome"] for row in rows if row["outcome"])
    reasons: Counter[str] = Counter()
    offered: Counter[str] = Counter()
    by_action: dict[str, Counter[str]] = defaultdict(Counter)
    days_to_finish: list[int] = []
    open_by_age = dict.fromkeys((band for band, _, _ in AGE_BANDS), 0)
    for row in rows:
        actions = split_codes(row["actions"])
        offered.update(actions)
        for code in set(actions):
            by_action[code]["cases"] += 1
            if row["outcome"]:
                by_action[code][row["outcome"]] += 1
        if row["outcome"] == Outcome.TERMINATED:
            reasons.update(split_codes(row["reasons"]))
        started = date.fromisoformat(row["started_on"])
        if row["outcome"]:
            days_to_finish.append((date.fromisoformat(row["concluded_on"]) - started).days)
        else:
            open_by_age[age_band((as_of - started).days)] += 1
    return GroupFigures(
        cases=len(rows),
        open_cases=sum(open_by_age.values()),
        outcomes={code.value: outcomes[code.value] for code in Outcome},
        retention_rate=rate(outcomes[Outcome.RETAINED], outcomes[Outcome.TERMINATED]),
        termination_reasons={code.value: reasons[code.value] for code in TerminationReason},
        actions_offered={code.value: offered[code.value] for code in ActionCode},
        days_to_finish=distribution(days_to_finish),
        open_by_age=open_by_age,
        contact_attempts=distribution([int(row["attempt_count"]) for row in rows]),
        retention_by_action={
            code.value: ActionRetention(
                cases=by_action[code.value]["cases"],
                retained=by_action[code.value][Outcome.RETAINED],
                terminated=by_action[code.value][Outcome.TERMINATED],
                retention_rate=rate(by_action[code.value][Outcome.RETAINED], by_action[code.value][Outcome.TERMINATED]),
            )
            for code in ActionCode
        },
    )


def age_band(days: int) -> str:
    for band, first, last in AGE_BANDS:
        if days >= first and (last is None or days <= last):
            return band
    # A start date after as_of (a report dated in the past) counts in the first band.
    return AGE_BANDS[0][0]


def rate(retained: int, terminated: int) -> float | None:
    decided = retained + terminated
    return round(retained / decided, 4) if decided else None


def distribution(values: Sequence[int]) -> Distribution:
    """Mean, median and 90th percentile (linear interpolation between closest ranks)."""
    if not values:
        return Distribution(count=0, mean=None, median=None, p90=None)
    ordered = sorted(values)
    p90 = float(ordered[0]) if len(ordered) == 1 else statistics.quantiles(ordered, n=10, method="inclusive")[8]
    return Distribution(
        count=len(ordered),
        mean=round(statistics.fmean(ordered), 2),
        median=round(float(statistics.median(ordered)), 2),
        p90=round(p90, 2),
    )
