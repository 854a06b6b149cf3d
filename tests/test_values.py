"""Money, dates, counts and text limits."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain.catalog import DemandedBy
from domain.errors import InvalidValue, MissingValue
from domain.parsing import parse_code
from domain.values import parse_count, parse_date, parse_instant, parse_money, parse_text


@pytest.mark.parametrize(("raw", "amount"), [("0,30", "0.30"), ("0.3025", "0.3025"), (0.3, "0.3"), ("R$ 1.234,56", "1234.56")])
def test_money_accepts_brazilian_and_plain_forms(raw: object, amount: str) -> None:
    assert parse_money(raw, field="us_value", places=4) == Decimal(amount)


def test_us_value_rejects_five_decimals() -> None:
    with pytest.raises(InvalidValue) as error:
        parse_money("0,30251", field="us_value", places=4)
    assert "4 casas" in error.value.detail


@pytest.mark.parametrize("raw", ["-1", "abc", "NaN", "Infinity", True])
def test_money_rejects_negative_and_non_numbers(raw: object) -> None:
    with pytest.raises(InvalidValue):
        parse_money(raw, field="last_production_value")


@pytest.mark.parametrize(("raw", "parsed"), [("05/10/2023", date(2023, 10, 5)), ("2023-10-05", date(2023, 10, 5))])
def test_date_accepts_iso_and_brazilian(raw: str, parsed: date) -> None:
    assert parse_date(raw, field="started_on") == parsed


@pytest.mark.parametrize("raw", ["31/02/2024", "2024-13-01", "ontem"])
def test_date_rejects_impossible_dates(raw: str) -> None:
    with pytest.raises(InvalidValue) as error:
        parse_date(raw, field="ended_on")
    assert "ended_on" in error.value.detail


def test_instant_without_offset_is_brasilia_time() -> None:
    instant = parse_instant("2023-10-03T08:35:00", field="occurred_at")
    assert instant.utcoffset() == timedelta(hours=-3)


def test_instant_rejects_far_past() -> None:
    with pytest.raises(InvalidValue):
        parse_instant("1900-01-01T00:00:00Z", field="occurred_at")


def test_count_accepts_thousands_separator() -> None:
    assert parse_count("4.886", field="lives_in_area") == 4886


def test_count_enforces_minimum() -> None:
    with pytest.raises(InvalidValue):
        parse_count(0, field="cro_count", minimum=1)


def test_text_rejects_oversized_and_blank() -> None:
    with pytest.raises(InvalidValue):
        parse_text("x" * 20_001, field="notes")
    with pytest.raises(MissingValue):
        parse_text("   ", field="reason")


def test_code_given_as_number_is_rejected() -> None:
    with pytest.raises(InvalidValue) as raised:
        parse_code(DemandedBy, 5, field="demanded_by")

    assert raised.value.field == "demanded_by"
    assert "código em texto" in raised.value.detail
