"""RFC 9457 problem details: every error the API returns is built here.

Domain errors, request validation errors, HTTP errors and unexpected
faults all become ``application/problem+json`` with a stable English
``code``, the ``field`` concerned and a pt-BR ``title`` and ``detail``.
"""

import json
import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from adapters.application import IdempotencyKeyReused
from api.strict_json import DUPLICATE_NAME
from domain.errors import (
    CaseNotFound,
    DomainError,
    InvalidValue,
    MissingValue,
    PermissionDenied,
    RuleViolation,
    TransitionNotAllowed,
    VersionConflict,
)

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

# pt-BR titles of every problem code the API returns.
TITLES: dict[str, str] = {
    "invalid_value": "Valor inválido",
    "missing_value": "Campo obrigatório ausente",
    "rule_violation": "Regra do processo de retenção violada",
    "transition_not_allowed": "Comando não permitido no estado atual",
    "permission_denied": "Permissão negada",
    "case_not_found": "Caso não encontrado",
    "version_conflict": "Versão do caso desatualizada",
    "concurrent_modification": "Caso alterado por outra requisição",
    "idempotency_key_reused": "Chave de idempotência reutilizada",
    "malformed_json": "JSON malformado",
    "unauthenticated": "Autenticação necessária",
    "payload_too_large": "Requisição grande demais",
    "not_found": "Recurso não encontrado",
    "method_not_allowed": "Método não permitido",
    "unsupported_media_type": "Tipo de conteúdo não suportado",
    "invalid_header": "Cabeçalho inválido",
    "internal_error": "Erro interno",
    "subject_not_found": "Titular não encontrado",
    "rate_limited": "Limite de requisições excedido",
}

_STATUS: dict[type[DomainError], int] = {
    InvalidValue: 422,
    MissingValue: 422,
    RuleViolation: 422,
    TransitionNotAllowed: 409,
    PermissionDenied: 403,
    CaseNotFound: 404,
    IdempotencyKeyReused: 422,
}


class ApiProblem(Exception):
    """An HTTP-level problem raised by the API layer itself (headers, auth, size)."""

    def __init__(self, status: int, code: str, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.field = field
        self.extra = extra


def problem_response(
    request: Request,
    status: int,
    code: str,
    detail: str,
    *,
    field: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:retencao:problem:{code}",
        "title": TITLES.get(code, code),
        "status": status,
        "detail": detail,
        "code": code,
        "instance": request.url.path,
    }
    if field is not None:
        body["field"] = field
    body.update({key: value for key, value in extra.items() if value is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def domain_problem(request: Request, error: DomainError) -> JSONResponse:
    if isinstance(error, VersionConflict):
        # With If-Match the precondition failed; without it the write lost a race.
        has_if_match = "if-match" in request.headers
        return problem_response(
            request,
            412 if has_if_match else 409,
            "version_conflict" if has_if_match else "concurrent_modification",
            _version_conflict_detail(error, has_if_match),
            field="If-Match" if has_if_match else None,
            current_version=error.current,
            expected_version=error.expected,
            headers={"ETag": f'"{error.current}"'},
        )
    status = next((code for cls, code in _STATUS.items() if isinstance(error, cls)), 422)
    extra: dict[str, Any] = {}
    if isinstance(error, TransitionNotAllowed):
        extra = {"current_state": error.state, "allowed_commands": error.allowed}
    elif error.value is not None and isinstance(error.value, str | int | float | list):
        extra = {"value": error.value}
    return problem_response(request, status, error.code, error.detail, field=error.field, **extra)


def _version_conflict_detail(error: VersionConflict, has_if_match: bool) -> str:
    if not has_if_match:
        return (
            f"Outra requisição alterou o caso ao mesmo tempo (versão atual: {error.current}). "
            "Consulte o caso e reenvie o comando se ele ainda fizer sentido."
        )
    if error.expected > error.current:
        return (
            f"O If-Match pede a versão {error.expected}, mas o caso está na versão {error.current}. "
            f"Envie If-Match: \"{error.current}\" (o ETag atual)."
        )
    return (
        f"O caso foi alterado desde a versão {error.expected}: a versão atual é {error.current}. "
        f"Consulte o caso e reenvie com If-Match: \"{error.current}\"."
    )


# Segments pydantic adds to an error's location for the member of a union it tried, such as the "int"
# of an ``int | None`` field. They are not field names.
_UNION_MEMBER_TAG = re.compile(r"(int|str|float|bool|none|decimal|date|datetime|list|dict|function-\w+\[.*\])")


def _field_path(location: tuple[Any, ...]) -> str:
    parts = [
        str(part)
        for part in location
        if part not in ("body", "query", "path", "header") and not _UNION_MEMBER_TAG.fullmatch(str(part))
    ]
    path = ""
    for part in parts:
        if part.isdigit():
            path += f"[{part}]"
        elif path:
            path += f".{part}"
        else:
            path = part
    return path or "body"


# FastAPI's detail (0.163.2) when reading the body raises anything but a JSONDecodeError.
_BODY_PARSE_ERROR = "There was an error parsing the body"

# pt-BR wording of pydantic's bound names in a ``ctx``.
_BOUND_WORDS = {"ge": "mínimo", "le": "máximo", "gt": "maior que", "lt": "menor que"}


def _accepted_codes(expected: str) -> str:
    """Turn pydantic's "'a', 'b' or 'c'" into "a, b, c"."""
    return ", ".join(re.findall(r"'([^']*)'", expected)) or expected


def _malformed_json_detail(error: dict[str, Any]) -> str:
    """Say where the JSON broke, without the parser's English message."""
    location = tuple(error.get("loc", ()))
    position = location[1] if len(location) > 1 and isinstance(location[1], int) else None
    if position is None:
        return "O corpo da requisição não é um JSON válido."
    return f"O corpo da requisição não é um JSON válido (erro de sintaxe na posição {position})."


def validation_detail(error: dict[str, Any]) -> tuple[str, str, str]:
    """Translate one pydantic error into (code, field, pt-BR detail)."""
    kind = error.get("type", "")
    field = _field_path(tuple(error.get("loc", ())))
    input_value = error.get("input")
    quoted_input = ""
    if input_value is not None and not isinstance(input_value, dict | list):
        quoted_input = f": '{str(input_value)[:80]}'"
    ctx = error.get("ctx") or {}

    if kind == "json_invalid":
        message = str(ctx.get("error", ""))
        if message.startswith(DUPLICATE_NAME):
            name = message.removeprefix(DUPLICATE_NAME)[:80]
            return "invalid_value", name, f"Campo repetido no corpo JSON: '{name}'. Envie cada campo uma vez só."
        return "malformed_json", "body", _malformed_json_detail(error)
    if kind == "missing":
        return "missing_value", field, f"O campo '{field}' é obrigatório."
    if kind == "extra_forbidden":
        return "invalid_value", field, f"Campo desconhecido: '{field}'. Remova-o ou confira o nome."
    if kind == "enum" or kind == "literal_error":
        expected = _accepted_codes(str(ctx.get("expected", "")))
        if input_value is not None and not isinstance(input_value, str):
            return "invalid_value", field, (
                f"O campo '{field}' deve ser um código em texto, entre aspas, e veio {json.dumps(input_value)[:80]}. "
                f"Códigos aceitos: {expected}."
            )
        return "invalid_value", field, f"Código desconhecido no campo '{field}'{quoted_input}. Códigos aceitos: {expected}."
    if kind.startswith("string_too_long"):
        return "invalid_value", field, f"O campo '{field}' excede o tamanho máximo de {ctx.get('max_length')} caracteres."
    if kind in ("string_type", "str_type"):
        return "invalid_value", field, f"O campo '{field}' deve ser texto{quoted_input}."
    if kind.startswith("int_") or kind.startswith("float_") or kind.startswith("decimal_"):
        return "invalid_value", field, f"O campo '{field}' deve ser um número{quoted_input}."
    if kind.startswith("bool_"):
        return "invalid_value", field, f"O campo '{field}' deve ser true ou false{quoted_input}."
    if kind in ("list_type", "tuple_type"):
        return "invalid_value", field, f"O campo '{field}' deve ser uma lista."
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "invalid_value", field, f"O campo '{field}' deve ser um objeto JSON."
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        limits = ", ".join(f"{_BOUND_WORDS[key]} {value}" for key, value in ctx.items() if key in _BOUND_WORDS)
        return "invalid_value", field, f"Valor fora do intervalo no campo '{field}'{quoted_input} ({limits})."
    if kind.startswith("uuid"):
        return "invalid_value", field, f"Identificador inválido no campo '{field}'{quoted_input}: use um UUID."
    if kind.startswith("date") or kind.startswith("datetime"):
        return "invalid_value", field, f"Data inválida no campo '{field}'{quoted_input}. Use o formato ISO 8601."
    return "invalid_value", field, f"Valor inválido no campo '{field}'{quoted_input}."


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def on_domain_error(request: Request, error: DomainError) -> JSONResponse:
        return domain_problem(request, error)

    @app.exception_handler(ApiProblem)
    async def on_api_problem(request: Request, error: ApiProblem) -> JSONResponse:
        headers = error.extra.pop("headers", None)
        return problem_response(request, error.status, error.code, error.detail, field=error.field, headers=headers, **error.extra)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        details = [validation_detail(item) for item in error.errors()]
        code, field, detail = details[0]
        status = 400 if code == "malformed_json" else 422
        errors = [{"code": c, "field": f, "detail": d} for c, f, d in details]
        return problem_response(request, status, code, detail, field=field, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 404:
            return problem_response(request, 404, "not_found", f"O recurso '{request.url.path}' não existe.")
        if error.status_code == 405:
            return problem_response(
                request, 405, "method_not_allowed", f"O método {request.method} não é aceito em '{request.url.path}'."
            )
        if error.status_code == 400 and error.detail == _BODY_PARSE_ERROR:
            # FastAPI raises this for bodies json.loads cannot take at all (invalid UTF-8, nesting too deep).
            return problem_response(
                request,
                400,
                "malformed_json",
                "O corpo da requisição não é um JSON válido: envie JSON em UTF-8, sem aninhamento excessivo.",
                field="body",
            )
        detail = error.detail if isinstance(error.detail, str) else json.dumps(error.detail, ensure_ascii=False)
        return problem_response(request, error.status_code, "http_error", detail, headers=getattr(error, "headers", None))

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, error: Exception) -> JSONResponse:
        logger.exception("unhandled error method=%s path=%s", request.method, request.url.path)
        return problem_response(
            request,
            500,
            "internal_error",
            "Ocorreu um erro interno. Tente novamente e, se persistir, informe o suporte com o X-Request-ID.",
        )
