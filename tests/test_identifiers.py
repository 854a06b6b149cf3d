"""CPF, CNPJ, CRO, UF and phone parsing."""

import pytest

from domain.catalog import Uf
from domain.errors import InvalidValue, MissingValue
from domain.identifiers import Cro, mask_cpf, normalize_phone, parse_cnpj, parse_cpf, parse_uf


@pytest.mark.parametrize("raw", ["528.147.306-90", "52814730690", " 528 147 306 90 "])
def test_cpf_accepts_masked_and_plain_forms(raw: str) -> None:
    assert parse_cpf(raw) == "52814730690"


@pytest.mark.parametrize("raw", ["11111111111", "000.000.000-00", "99999999999"])
def test_cpf_rejects_repeated_digits(raw: str) -> None:
    with pytest.raises(InvalidValue) as error:
        parse_cpf(raw, field="provider.cpf")
    assert error.value.field == "provider.cpf"


@pytest.mark.parametrize("raw", ["528.147.306-91", "5281473069", "52814730690a", "abc"])
def test_cpf_rejects_wrong_check_digits_and_shapes(raw: str) -> None:
    with pytest.raises(InvalidValue):
        parse_cpf(raw)


def test_cpf_error_does_not_repeat_the_value() -> None:
    with pytest.raises(InvalidValue) as error:
        parse_cpf("528.147.306-91")
    assert "528" not in error.value.detail
    assert error.value.value is None


def test_cpf_missing_is_reported_as_missing() -> None:
    with pytest.raises(MissingValue):
        parse_cpf("  ")


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("12.ABC.345/01DE-35", "12ABC34501DE35"),
        ("12.abc.345/01de-35", "12ABC34501DE35"),
        ("31827465000144", "31827465000144"),
        ("31.827.465/0001-44", "31827465000144"),
    ],
)
def test_cnpj_accepts_numeric_and_alphanumeric(raw: str, stored: str) -> None:
    assert parse_cnpj(raw) == stored


@pytest.mark.parametrize("raw", ["12.ABC.345/01DE-36", "31827465000145", "1234", "12.ABC.345/01DE-3X"])
def test_cnpj_rejects_invalid(raw: str) -> None:
    with pytest.raises(InvalidValue) as error:
        parse_cnpj(raw, field="provider.cnpj")
    assert "provider.cnpj" in error.value.detail


def test_uf_accepts_lower_case_and_rejects_unknown() -> None:
    assert parse_uf("am") is Uf.AM
    with pytest.raises(InvalidValue) as error:
        parse_uf("XX")
    assert "'XX'" in error.value.detail


def test_cro_keeps_digits_and_council_uf() -> None:
    cro = Cro.parse("04821", "am")
    assert cro.number == "4821"
    assert cro.uf is Uf.AM
    assert str(cro) == "CRO-AM 4821"


def test_cro_rejects_letters() -> None:
    with pytest.raises(InvalidValue) as error:
        Cro.parse("48A1", "AM", field="provider.cro")
    assert error.value.field == "provider.cro.number"


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("(92) 98000-1111", "+5592980001111"),
        ("92 9000-1234", "+559290001234"),
        ("+55 92 9000-1234", "+559290001234"),
        ("92990001234", "+5592990001234"),
    ],
)
def test_phone_forms_from_the_form_normalize(raw: str, normalized: str) -> None:
    assert normalize_phone(raw) == normalized


@pytest.mark.parametrize("raw", ["123", "+1 415 555 0100", "dr.rafael@example.com"])
def test_non_brazilian_phone_is_not_normalized(raw: str) -> None:
    assert normalize_phone(raw) is None


def test_cpf_mask_hides_first_and_check_digits() -> None:
    assert mask_cpf("52814730690") == "***.147.306-**"
