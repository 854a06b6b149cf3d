"""Cost of sealing personal fields: encoding and decoding the reference case's events, with and without encryption.

Run: uv run python bench/personal_data_codec.py
Prints events per second of the library's plain mapper (the baseline) and
of the personal-data mapper, measured in the same run, and their ratio,
separately for encoding (writes) and decoding (reads). Encoding looks up
the dentist's key in the database for each event; decoding uses the
in-process key cache.
"""

import tempfile
import time
import uuid
from datetime import datetime, timezone

from eventsourcing.persistence import Mapper

from adapters.application import RetentionCases
from adapters.settings import Settings
from adapters.transcoding import DomainTranscoder
from domain.actor import Actor, CommandContext
from api import reference_case
from domain.commands import OpenCase, parse_command, parse_header
from domain.retention_case import RetentionCase

ROUNDS = 5_000


def build_events() -> list[RetentionCase.Event]:
    actor = Actor("bench", frozenset({"agent"}), "Bench")  # type: ignore[arg-type]
    context = CommandContext(actor=actor, correlation_id=str(uuid.uuid4()), now=datetime.now(timezone.utc))
    case = RetentionCase.open(OpenCase(header=parse_header(reference_case.OPEN_CASE)), context)
    for trigger, body in reference_case.STEPS[:4]:
        case.execute(parse_command(trigger, body), context)
    return list(case.collect_events())


def encode_rate(mapper: Mapper, events: list[RetentionCase.Event]) -> float:  # type: ignore[type-arg]
    started = time.perf_counter()
    for index in range(ROUNDS):
        mapper.to_stored_event(events[index % len(events)])
    return ROUNDS / (time.perf_counter() - started)


def decode_rate(mapper: Mapper, events: list[RetentionCase.Event]) -> float:  # type: ignore[type-arg]
    stored = [mapper.to_stored_event(event) for event in events]
    started = time.perf_counter()
    for index in range(ROUNDS):
        mapper.to_domain_event(stored[index % len(stored)])
    return ROUNDS / (time.perf_counter() - started)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{folder}/bench.db", master_key_file=f"{folder}/keys.json")
        app = RetentionCases(settings, create_tables=True)
        events = build_events()
        plain = Mapper(DomainTranscoder())
        figures = {
            "encode": (encode_rate(plain, events), encode_rate(app.mapper, events)),
            "decode": (decode_rate(plain, events), decode_rate(app.mapper, events)),
        }
        app.close()
    for name, (baseline, sealed) in figures.items():
        print(f"{name}: plain mapper (baseline) {baseline:,.0f} events/s, personal-data mapper {sealed:,.0f} "
              f"events/s, ratio {sealed / baseline:.2f}")


if __name__ == "__main__":
    main()
