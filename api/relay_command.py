"""Runs the relay in the foreground until SIGTERM or SIGINT."""

import asyncio
import signal

from adapters.relay_settings import RelaySettings
from adapters.settings import Settings
from api.relay import run_relay


def read_relay_settings(*, nats_url: str | None = None, stream: str | None = None) -> RelaySettings:
    """Read the ``RETENCAO_RELAY_*`` variables, with the given options in place of theirs.

    Raises ``pydantic.ValidationError`` when a value is invalid.
    """
    overrides = {key: value for key, value in {"nats_url": nats_url, "stream": stream}.items() if value}
    return RelaySettings(**overrides)


def run_relay_command(settings: Settings, relay_settings: RelaySettings) -> None:
    asyncio.run(_run_until_signal(settings, relay_settings))


async def _run_until_signal(settings: Settings, relay_settings: RelaySettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    await run_relay(settings, relay_settings, stop)
