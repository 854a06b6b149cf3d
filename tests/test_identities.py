"""API keys managed from the command line, and bearer JWTs verified against a JWKS file."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm
from typer.testing import CliRunner

from adapters.settings import Settings
from adapters.store import Store
from api.app import create_app
from api.cli import cli

ISSUER = "https://idp.operadora.example/realms/retencao"
AUDIENCE = "retencao-api"


def run_cli(keys_file: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, list(args), env={"RETENCAO_API_KEYS_FILE": str(keys_file)})
    assert result.exit_code == 0, result.output
    return result.output


def shown_key(output: str) -> str:
    return next(word for word in output.split() if word.startswith("rtc_"))


def test_keys_file_holds_only_hashes(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.json"

    output = run_cli(keys_file, "keys", "create", "--actor-id", "ana", "--name", "Ana", "--role", "dpo")

    key = shown_key(output)
    text = keys_file.read_text()
    assert key not in text
    assert json.loads(text)["keys"][0]["roles"] == ["dpo"]
    assert oct(keys_file.stat().st_mode & 0o777) == "0o600"
    listing = run_cli(keys_file, "keys", "list")
    assert "ana-1" in listing
    assert key not in listing


def test_revoked_and_rotated_keys_apply_without_restart(settings: Settings, store: Store, tmp_path: Path) -> None:
    keys_file = tmp_path / "managed-keys.json"
    first = shown_key(run_cli(keys_file, "keys", "create", "--actor-id", "ana", "--role", "auditor"))
    app_settings = settings.model_copy(update={"api_keys_file": keys_file})
    with TestClient(create_app(app_settings, store=store), raise_server_exceptions=False) as client:
        assert client.get("/v1/cases", headers={"Authorization": f"Bearer {first}"}).status_code == 200

        second = shown_key(run_cli(keys_file, "keys", "rotate", "ana-1"))

        assert client.get("/v1/cases", headers={"Authorization": f"Bearer {first}"}).status_code == 401
        assert client.get("/v1/cases", headers={"Authorization": f"Bearer {second}"}).status_code == 200
        run_cli(keys_file, "keys", "revoke", "ana-2")
        assert client.get("/v1/cases", headers={"Authorization": f"Bearer {second}"}).status_code == 401


def test_revoking_unknown_key_fails(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["keys", "revoke", "nobody-1"], env={"RETENCAO_API_KEYS_FILE": str(tmp_path / "k.json")})

    assert result.exit_code == 1
    assert "não encontrada" in result.output


def test_first_run_keys_cover_every_role(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.json"

    output = run_cli(keys_file, "keys", "init")

    roles = {role for item in json.loads(keys_file.read_text())["keys"] for role in item["roles"]}
    assert roles == {"agent", "supervisor", "auditor", "service", "dpo"}
    assert output.count("rtc_") == 6


# JWT


@pytest.fixture
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def jwt_client(settings: Settings, store: Store, signing_key: rsa.RSAPrivateKey, tmp_path: Path):  # type: ignore[no-untyped-def]
    jwk = json.loads(RSAAlgorithm.to_jwk(signing_key.public_key()))
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}))
    configured = settings.model_copy(update={
        "jwks_file": jwks_file, "jwt_issuer": ISSUER, "jwt_audience": AUDIENCE, "jwt_roles_claim": "realm_access.roles",
    })  # fmt: skip
    with TestClient(create_app(configured, store=store), raise_server_exceptions=False) as client:
        yield client


def token(key: rsa.RSAPrivateKey, **overrides: object) -> str:
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "u-123", "name": "Ana Auditora", "exp": int(time.time()) + 300,
              "realm_access": {"roles": ["auditor", "offline_access"]}}  # fmt: skip
    claims.update(overrides)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def test_jwt_maps_claim_to_roles(jwt_client: TestClient, signing_key: rsa.RSAPrivateKey) -> None:
    assert jwt_client.get("/v1/cases", headers=bearer(token(signing_key))).status_code == 200
    assert jwt_client.get("/v1/lgpd/access-log", headers=bearer(token(signing_key))).status_code == 200
    opened = jwt_client.post("/v1/cases", json={}, headers=bearer(token(signing_key)))
    assert opened.status_code in (403, 422)


def test_jwt_without_known_roles_is_forbidden(jwt_client: TestClient, signing_key: rsa.RSAPrivateKey) -> None:
    response = jwt_client.get("/v1/cases", headers=bearer(token(signing_key, realm_access={"roles": ["admin"]})))

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("overrides", "detail"),
    [
        ({"exp": int(time.time()) - 60}, "expirado"),
        ({"aud": "outra-api"}, "audiência"),
        ({"iss": "https://evil.example"}, "emissor"),
    ],
)
def test_jwt_claims_are_checked(jwt_client: TestClient, signing_key: rsa.RSAPrivateKey, overrides: dict, detail: str) -> None:
    response = jwt_client.get("/v1/cases", headers=bearer(token(signing_key, **overrides)))

    assert response.status_code == 401
    assert detail in response.json()["detail"]


def test_jwt_with_foreign_signature_is_rejected(jwt_client: TestClient) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    response = jwt_client.get("/v1/cases", headers=bearer(token(stranger)))

    assert response.status_code == 401
    assert response.json()["detail"] == "Token JWT inválido."


def test_jwt_with_none_algorithm_is_rejected(jwt_client: TestClient) -> None:
    unsigned = jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": int(time.time()) + 60,
                           "realm_access": {"roles": ["supervisor"]}}, None, algorithm="none")  # fmt: skip

    assert jwt_client.get("/v1/cases", headers=bearer(unsigned)).status_code == 401


def test_jwks_url_is_fetched(settings: Settings, store: Store, signing_key: rsa.RSAPrivateKey) -> None:
    jwk = json.loads(RSAAlgorithm.to_jwk(signing_key.public_key()))
    document = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class JwksHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), JwksHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        configured = settings.model_copy(update={
            "jwks_url": f"http://127.0.0.1:{server.server_port}/jwks.json", "jwt_issuer": ISSUER,
            "jwt_audience": AUDIENCE, "jwt_roles_claim": "realm_access.roles",
        })  # fmt: skip
        with TestClient(create_app(configured, store=store), raise_server_exceptions=False) as client:
            response = client.get("/v1/cases", headers=bearer(token(signing_key)))
    finally:
        server.shutdown()

    assert response.status_code == 200
