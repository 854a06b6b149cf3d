"""Configuration of the NATS JetStream relay, read from ``RETENCAO_RELAY_*`` variables."""

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.catalog import Role

# URL schemes nats-py connects with.
NATS_SCHEMES = ("nats", "tls", "ws", "wss")


class RelaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RETENCAO_RELAY_", env_file=".env", extra="ignore")

    nats_url: str = Field(default="nats://127.0.0.1:4222", description="NATS server URL.")
    name: str = Field(
        default="jetstream",
        min_length=1,
        max_length=100,
        description="Key of this relay's position row; one relay per name and stream.",
    )
    stream: str = Field(default="RETENCAO_EVENTS", pattern=r"^[A-Za-z0-9_-]+$", description="JetStream stream name.")
    subject_prefix: str = Field(
        default="retencao.events",
        pattern=r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$",
        description="Events go to <prefix>.<event type>.",
    )
    retention: Literal["limits", "interest", "workqueue"] = Field(
        default="limits", description="JetStream retention policy of a stream the relay creates."
    )
    max_age_days: float = Field(default=0, ge=0, description="Days a message is kept; 0 keeps it until other limits apply.")
    max_bytes: int = Field(default=-1, ge=-1, description="Largest stream size in bytes; -1 for no limit.")
    duplicate_window_seconds: float = Field(
        default=600, gt=0, description="How long JetStream remembers a Nats-Msg-Id to drop a re-sent event."
    )
    roles: str = Field(
        default="service",
        description="Comma-separated roles whose view of personal data the relay publishes (service sees CPF and phone masked).",
    )
    batch_size: int = Field(default=500, ge=1, le=10_000, description="Events read and published per round.")
    ack_timeout_seconds: float = Field(default=10, gt=0, description="Seconds to wait for JetStream to acknowledge a batch.")
    max_backoff_seconds: float = Field(default=30, gt=0, description="Maximum seconds between retries after a failure.")
    idle_wait_seconds: float = Field(default=5, gt=0, description="Maximum seconds to wait for a store notification before reading again.")

    @field_validator("nats_url")
    @classmethod
    def check_nats_url(cls, value: str) -> str:
        parsed = urlsplit(value.strip())
        if parsed.scheme not in NATS_SCHEMES or not parsed.hostname:
            raise ValueError(
                f"URL do NATS inválida: '{value[:200]}'. Use {', '.join(f'{scheme}://' for scheme in NATS_SCHEMES)} "
                "seguido do servidor, como nats://127.0.0.1:4222."
            )
        return value.strip()

    @field_validator("roles")
    @classmethod
    def check_roles(cls, value: str) -> str:
        known = {role.value for role in Role}
        parts = [part.strip() for part in value.split(",") if part.strip()]
        unknown = [part for part in parts if part not in known]
        if not parts or unknown:
            raise ValueError(f"invalid roles {unknown or value!r}; use a comma-separated list of {sorted(known)}")
        return value
