"""The example consumer in docs/events.md runs against a stream filled by the relay."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.relay_settings import RelaySettings
from adapters.settings import Settings
from adapters.store import Store

from tests.event_helpers import open_case, record_contacts, wait_until
from tests.nats_helpers import RelayThread, relay_settings, stored_count  # noqa: F401

DOC = Path(__file__).resolve().parent.parent / "docs" / "events.md"


def example_consumer() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) == 1, "docs/events.md should have one Python example"
    return blocks[0]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_doc_consumer_reads_relayed_events_in_order(
    settings: Settings, store: Store, relay_settings: RelaySettings, tmp_path: Path
) -> None:
    case_id = open_case(store.app)
    record_contacts(store.app, case_id, 4)
    with RelayThread(settings, relay_settings):
        assert wait_until(lambda: stored_count(relay_settings.stream) == 5, timeout=10)
    script = tmp_path / "consumidor.py"
    script.write_text(example_consumer(), encoding="utf-8")
    env = {
        **os.environ,
        "NATS_URL": relay_settings.nats_url,
        "RETENCAO_STREAM": relay_settings.stream,
        "RETENCAO_SUBJECTS": f"{relay_settings.subject_prefix}.>",
        "CONSUMIDOR": "teste-exemplo",
    }

    result = subprocess.run([sys.executable, str(script), "5"], env=env, capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()]
    assert [int(line[0]) for line in lines] == sorted(int(line[0]) for line in lines)
    assert [line[1] for line in lines] == [
        "retencao.CaseOpened", "retencao.ContactAttempted", "retencao.NoteAdded",
        "retencao.ContactAttempted", "retencao.NoteAdded",
    ]  # fmt: skip
    assert all(line[2] == str(case_id) for line in lines)
