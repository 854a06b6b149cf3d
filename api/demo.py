"""Drives the reference form's case through the HTTP API and prints each step."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table

from adapters.settings import Settings
from api import reference_case
from api.auth import KeyEntry, KeyRing, hash_key
from domain.actor import Actor
from domain.catalog import Role


@contextmanager
def _in_process_client(settings: Settings) -> Iterator[tuple[httpx.Client, str, str]]:
    from adapters.store import migrate
    from api.app import create_app

    migrate(settings)
    agent_key, supervisor_key = f"demo-{uuid.uuid4()}", f"demo-{uuid.uuid4()}"
    keys = KeyRing([
        KeyEntry("demo-agent", hash_key(agent_key), Actor("marina", frozenset({Role.AGENT}), "Marina Souza Alves")),
        KeyEntry("demo-supervisor", hash_key(supervisor_key), Actor("paula", frozenset({Role.SUPERVISOR}), "Paula R. Lima")),
    ])  # fmt: skip
    with TestClient(create_app(settings, keys=keys)) as client:
        yield client, agent_key, supervisor_key


def run_demo(console: Console, settings: Settings, url: str | None, agent_key: str | None, supervisor_key: str | None) -> bool:
    """Run every step; return False at the first unexpected response."""
    if url:
        with httpx.Client(base_url=url, timeout=10) as client:
            return _drive(console, client, agent_key or "", supervisor_key or "")
    with _in_process_client(settings) as (client, agent, supervisor):
        return _drive(console, client, agent, supervisor)


def _drive(console: Console, client: httpx.Client, agent_key: str, supervisor_key: str) -> bool:
    agent = {"Authorization": f"Bearer {agent_key}"}
    supervisor = {"Authorization": f"Bearer {supervisor_key}"}
    table = Table(title="Caso do formulário de referência")
    for column in ("passo", "comando", "HTTP", "estado", "versão"):
        table.add_column(column)

    response = client.post("/v1/cases", json=reference_case.OPEN_CASE, headers=agent)
    if response.status_code != 201:
        console.print(f"[red]Falha ao abrir o caso: {response.status_code} {response.text}[/red]")
        return False
    case = response.json()
    table.add_row("1", "open", "201", case["status_label"], str(case["version"]))
    steps = [*reference_case.STEPS, ("approve_conclusion", reference_case.APPROVAL)]
    for number, (trigger, body) in enumerate(steps, start=2):
        headers = supervisor if trigger == "approve_conclusion" else agent
        headers = {**headers, "If-Match": f'"{case["version"]}"', "Idempotency-Key": str(uuid.uuid4())}
        response = client.post(f"/v1/cases/{case['id']}/commands/{trigger}", json=body, headers=headers)
        if response.status_code != 200:
            console.print(table)
            console.print(f"[red]Falha em {trigger}: {response.status_code} {response.json().get('detail')}[/red]")
            return False
        case = response.json()
        table.add_row(str(number), trigger, "200", case["status_label"], str(case["version"]))
    console.print(table)

    history = client.get(f"/v1/cases/{case['id']}/history", headers=agent).json()
    conclusion = case["conclusion"]
    console.print(
        f"Caso [bold]{case['id']}[/bold]: {case['status_label']} por "
        f"{', '.join(conclusion['reasons_labels'])}, em {case['duration_days']} dia(s); "
        f"{len(history['events'])} eventos no histórico; revisores: {', '.join(case['sign_off']['reviewers'])}."
    )
    return True
