"""The API as a client sees it: ``retencao serve`` in a subprocess, driven over loopback HTTP.

Each client thread has its own keep-alive connection and its own
cases. Every command carries ``If-Match`` with the version from the
previous response and a fresh ``Idempotency-Key``, as a careful client
sends them. The benchmark stops unless the server returns 200 with the
next version in ``ETag``.
"""

import http.client
import json
import logging
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from adapters.settings import Settings
from api import reference_case
from api.auth import hash_key
from domain.catalog import Role

logger = logging.getLogger(__name__)

# A note about as long as the ones in the reference form.
NOTE_TEXT = (
    "Retorno por telefone: o dentista pediu mais prazo para avaliar a proposta de reajuste "
    "e a ação de divulgação na rede; combinado novo contato na próxima semana."
)
STARTUP_SECONDS = 30.0


class ApiServer:
    """``retencao serve`` on a free loopback port, with one agent key; a context manager.

    As in a PostgreSQL deployment, the case list projection runs in a
    ``retencao project`` process of its own, not in the server's threads.
    """

    def __init__(
        self, settings: Settings, workdir: Path, profile_path: Path | None = None, server_cpu: int | None = None
    ) -> None:
        self.settings = settings
        self.workdir = workdir
        self.profile_path = profile_path
        self.server_cpu = server_cpu
        self.key = "bench_" + uuid.uuid4().hex
        self.port = _free_port()
        self.log_path = workdir / "server.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._projector: subprocess.Popen[bytes] | None = None
        self._profiler: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "ApiServer":
        keys_file = self.workdir / "api-keys.json"
        entry = {"key_id": "bench-1", "key_sha256": hash_key(self.key), "actor_id": "bench-agent",
                 "name": "Benchmark", "roles": [Role.AGENT.value]}  # fmt: skip
        keys_file.write_text(json.dumps({"keys": [entry]}), encoding="utf-8")
        env = {
            **os.environ,
            "RETENCAO_DATABASE_URL": self.settings.database_url,
            "RETENCAO_API_KEYS_FILE": str(keys_file),
            "RETENCAO_MASTER_KEY_FILE": str(self.settings.master_key_file),
            "RETENCAO_AUDIT_SIGNING_KEY_FILE": str(self.settings.audit_signing_key_file),
            "RETENCAO_SNAPSHOT_INTERVAL": str(self.settings.snapshot_interval),
            "RETENCAO_RATE_LIMIT_PER_MINUTE": str(self.settings.rate_limit_per_minute),
            "RETENCAO_RATE_LIMIT_BURST": str(self.settings.rate_limit_burst),
            "RETENCAO_SERVE_PROJECTIONS": "false",
        }
        command = [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        every_cpu = set(range(os.cpu_count() or 1))
        server_cpus = every_cpu if self.server_cpu is None else {self.server_cpu}
        with self.log_path.open("wb") as log:
            self._projector = subprocess.Popen(
                [sys.executable, "-m", "api.cli", "project"], env=env, stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=lambda: os.sched_setaffinity(0, every_cpu),
            )  # fmt: skip
            # Set before exec, so every thread the server starts inherits it.
            self._process = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=lambda: os.sched_setaffinity(0, server_cpus),
            )  # fmt: skip
        logger.info("server starting pid=%s port=%s", self._process.pid, self.port)
        try:
            self._wait_until_ready()
            if self.profile_path is not None:
                self._profiler = _start_profiler(self._process.pid, self.profile_path)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def cpu_seconds(self) -> float:
        """Return the CPU time the server process has used so far, user plus system (Linux only)."""
        assert self._process is not None
        return _cpu_seconds(self._process.pid)

    def projection_cpu_seconds(self) -> float:
        """Return the CPU time the projection process has used so far, user plus system (Linux only)."""
        assert self._projector is not None
        return _cpu_seconds(self._projector.pid)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def stop(self) -> None:
        _terminate(self._projector, "projection worker")
        if self._process is None or self._process.poll() is not None:
            return
        _terminate(self._process, "server")
        if self._profiler is not None:
            # py-spy writes its output when the process it samples exits.
            self._profiler.wait(timeout=30)

    def _wait_until_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            for process, role in ((self._process, "server"), (self._projector, "projection worker")):
                if process is not None and process.poll() is not None:
                    raise RuntimeError(f"{role} exited with code {process.returncode}; see {self.log_path}")
            probe = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1.0)
            try:
                probe.request("GET", "/v1/catalog")
                if probe.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                probe.close()
            time.sleep(0.1)
        raise TimeoutError(f"server did not respond within {STARTUP_SECONDS:.0f} s; see {self.log_path}")


class JsonConnection:
    """One keep-alive HTTP/1.1 connection to the server that posts JSON, with the agent's key.

    It uses the standard library's ``http.client`` because the load
    generator shares the machine's cores with the server, and it costs
    less CPU per request than ``httpx``.
    """

    def __init__(self, server: ApiServer) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        self.headers = {**server.headers(), "Content-Type": "application/json"}

    def post(self, path: str, body: dict[str, Any], headers: dict[str, str], expected_status: int) -> tuple[int, Any]:
        """POST ``body`` to ``path``; return the version in ``ETag`` and the decoded response body."""
        self.conn.request("POST", path, body=json.dumps(body).encode(), headers={**self.headers, **headers})
        response = self.conn.getresponse()
        content = response.read()
        if response.status != expected_status:
            raise RuntimeError(
                f"POST {path} returned {response.status}, expected {expected_status}: {content[:300]!r}"
            )
        return int(response.getheader("ETag", "").strip('"')), json.loads(content) if content else None

    def close(self) -> None:
        self.conn.close()


def open_cases(server: ApiServer, count: int) -> dict[str, int]:
    """Open ``count`` cases from the reference form; return the version of each case by id."""
    versions = {}
    connection = JsonConnection(server)
    try:
        for _ in range(count):
            version, case = connection.post("/v1/cases", reference_case.OPEN_CASE, {}, expected_status=201)
            versions[case["id"]] = version
    finally:
        connection.close()
    return versions


class HttpCommandClient:
    """Runs commands round-robin over its own cases, alternating ``add_note`` and ``attempt_contact`` on each.

    ``versions`` is shared by all clients of a run, and each client reads
    and writes only the entries of ``case_ids``, which no other client has.
    """

    def __init__(self, server: ApiServer, versions: dict[str, int], case_ids: list[str], minimal: bool = False) -> None:
        self.connection = JsonConnection(server)
        self.versions = versions
        self.case_ids = case_ids
        self.count = 0
        # With Prefer: return=minimal the server responds with 204 and no case.
        self.extra_headers = {"Prefer": "return=minimal"} if minimal else {}
        self.expected_status = 204 if minimal else 200

    def run_once(self) -> None:
        case_id = self.case_ids[self.count % len(self.case_ids)]
        version = self.versions[case_id]
        trigger, body = _command(version)
        new_version, _ = self.connection.post(
            f"/v1/cases/{case_id}/commands/{trigger}",
            body,
            {"If-Match": f'"{version}"', "Idempotency-Key": uuid.uuid4().hex, **self.extra_headers},
            expected_status=self.expected_status,
        )
        if new_version != version + 1:
            raise RuntimeError(f"case {case_id} went from version {version} to {new_version}, expected one step")
        self.versions[case_id] = new_version
        self.count += 1

    def close(self) -> None:
        self.connection.close()


def _command(version: int) -> tuple[str, dict[str, Any]]:
    """Return the command to send to a case at ``version``: each case gets notes and contact attempts in turn."""
    if version % 2 == 1:
        return "add_note", {"text": NOTE_TEXT}
    return "attempt_contact", {"channel": "phone", "outcome": "no_answer", "contact": "(92) 98000-1111",
                               "notes": NOTE_TEXT}  # fmt: skip


def _start_profiler(pid: int, output: Path) -> subprocess.Popen[bytes]:
    """Sample the threads of ``pid`` that hold the GIL until it exits: .svg flame graph, .json speedscope, else raw."""
    formats = {".svg": "flamegraph", ".json": "speedscope"}
    command = ["py-spy", "record", "--pid", str(pid), "--output", str(output),
               "--format", formats.get(output.suffix, "raw"), "--threads", "--gil", "--nonblocking"]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _terminate(process: subprocess.Popen[bytes] | None, role: str) -> None:
    """Stop ``process`` with SIGTERM, or SIGKILL after 15 s."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        logger.warning("%s did not stop in 15 s, killing pid=%s", role, process.pid)
        process.kill()
        process.wait(timeout=5)
    logger.info("%s stopped pid=%s", role, process.pid)


def _cpu_seconds(pid: int) -> float:
    """Return user plus system CPU time of ``pid``, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
