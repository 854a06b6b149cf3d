"""Runtime configuration, read once at start-up from ``RETENCAO_*`` variables."""

from pathlib import Path
from urllib.parse import unquote, urlparse

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RETENCAO_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/retencao.db",
        description="sqlite:///PATH for the embedded store, postgresql://USER@HOST:PORT/DB for PostgreSQL.",
    )
    api_keys_file: Path = Field(
        default=Path("var/api-keys.json"),
        description="JSON file with the SHA-256 of each API key and the actor and roles it maps to.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    snapshot_interval: int = Field(default=50, ge=2, description="Events between snapshots of a case.")
    case_cache_size: int = Field(
        default=1000,
        ge=0,
        description="Recently saved cases each API process keeps in memory, each for at most "
        "subject_key_cache_seconds; 0 turns the cache off.",
    )
    max_body_bytes: int = Field(default=256_000, description="Largest accepted request body, in bytes.")
    projection_poll_seconds: float = Field(
        default=0.2, gt=0, description="How often the case list projection polls an SQLite store."
    )
    audit_signing_key_file: Path = Field(
        default=Path("var/audit-signing-key.pem"),
        description="Ed25519 private key (PKCS#8 PEM) that signs audit chain checkpoints; keep it off the database host.",
    )
    audit_checkpoint_interval: int = Field(
        default=10, ge=1, description="Events between automatic signed checkpoints of the audit chain."
    )
    serve_projections: bool = Field(
        default=True,
        description="Run the projections in a thread of each API process. Turn it off on PostgreSQL "
        "when `retencao project` runs them in processes of their own.",
    )
    projection_settle_seconds: float = Field(
        default=0.05,
        ge=0,
        le=5,
        description="After a batch that caught up, how long a projection worker waits so that the events "
        "written meanwhile share one transaction; 0 applies each event as soon as it is notified.",
    )
    projection_batch_size: int = Field(
        default=500, ge=1, le=50_000, description="Events a projection worker applies per transaction."
    )

    master_key_file: Path = Field(
        default=Path("var/master-keys.json"),
        description="JSON file with the key that wraps each dentist's key and the key of CPF pseudonyms; "
        "created on first run. RETENCAO_MASTER_KEY and RETENCAO_PSEUDONYM_KEY override it.",
    )
    master_key: SecretStr | None = Field(default=None, description="Base64 of 32 bytes: wraps each dentist's key.")
    pseudonym_key: SecretStr | None = Field(default=None, description="Base64 of 32 bytes: HMAC key of CPF pseudonyms.")
    subject_key_cache_seconds: float = Field(
        default=30.0, ge=0, description="How long an unwrapped dentist key, and the dentist of a case for sealing, "
        "stay cached in one process."
    )
    jwks_file: Path | None = Field(default=None, description="JWKS file with the identity provider's public keys.")
    jwks_url: str | None = Field(default=None, description="JWKS URL of the identity provider (instead of a file).")
    jwt_issuer: str | None = Field(default=None, description="Required 'iss' of bearer JWTs.")
    jwt_audience: str | None = Field(default=None, description="Required 'aud' of bearer JWTs.")
    jwt_roles_claim: str = Field(default="roles", description="JWT claim (dotted path) that lists the roles.")
    jwt_name_claim: str = Field(default="name", description="JWT claim with the user's display name.")
    rate_limit_per_minute: int = Field(default=600, ge=1, description="Requests per minute allowed per credential.")
    rate_limit_burst: int = Field(default=60, ge=1, description="Requests a credential may send at once.")
    cors_allow_origins: list[str] = Field(
        default_factory=list, description="Origins allowed by CORS; empty keeps cross-origin requests closed."
    )

    @property
    def jwt_enabled(self) -> bool:
        return bool((self.jwks_file or self.jwks_url) and self.jwt_issuer and self.jwt_audience)

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgresql://", "postgres://"))

    def sqlite_path(self) -> Path:
        parsed = urlparse(self.database_url)
        if parsed.scheme != "sqlite":
            raise ValueError(f"not an SQLite URL: {self.database_url!r}")
        # sqlite:///var/x.db is relative, sqlite:////abs/x.db is absolute.
        return Path(unquote(parsed.path[1:] if parsed.path.startswith("/") else parsed.path))

    def eventsourcing_env(self, *, create_tables: bool) -> dict[str, str]:
        """Translate the database URL into the ``eventsourcing`` environment variables."""
        env = {"CREATE_TABLE": "y" if create_tables else "n"}
        if self.is_postgres:
            parsed = urlparse(self.database_url)
            env.update(
                PERSISTENCE_MODULE="eventsourcing.postgres",
                POSTGRES_DBNAME=parsed.path.lstrip("/") or "postgres",
                POSTGRES_HOST=parsed.hostname or "127.0.0.1",
                POSTGRES_PORT=str(parsed.port or 5432),
                POSTGRES_USER=unquote(parsed.username or "postgres"),
                POSTGRES_PASSWORD=unquote(parsed.password or ""),
                POSTGRES_POOL_SIZE="10",
                POSTGRES_MAX_OVERFLOW="10",
                APPLICATION_RECORDER_TOPIC="adapters.recorders:PostgresCaseRecorder",
            )
        else:
            path = self.sqlite_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            env.update(
                PERSISTENCE_MODULE="eventsourcing.sqlite",
                SQLITE_DBNAME=str(path),
                SQLITE_LOCK_TIMEOUT="10",
                APPLICATION_RECORDER_TOPIC="adapters.recorders:SQLiteCaseRecorder",
            )
        return env
