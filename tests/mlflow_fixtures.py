"""A real MLflow tracking server for the delivery tests, and a TCP relay in front of it that a
test can take down and bring back (a server that is unreachable, then reachable again).

    MlflowServer.start(folder)   `mlflow server` with a SQLite backend and a local artifact
                                 root on 127.0.0.1 (one per test session: it takes ~10-20 s)
    Relay(port)                  127.0.0.1:<its port> -> the server; down() refuses
                                 connections (closes the listening socket), up() listens again
    configure(repo, uri, suffix) modelops.yaml names the mlflow target and the server, and
                                 gives every model a registered name of its own (tests share
                                 one server), committed on main
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from plan_fixtures import commit

MLFLOW = Path(sys.executable).parent / "mlflow"
MODELS = ("breast-cancer", "credit", "diabetes")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class MlflowServer:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    @classmethod
    def start(cls, folder: Path) -> MlflowServer:
        port = free_port()
        log = folder / "mlflow.log"
        argv = [
            str(MLFLOW), "server",
            "--backend-store-uri", f"sqlite:///{folder / 'mlflow.db'}",
            "--artifacts-destination", str(folder / "artifacts"),
            "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        ]  # fmt: skip
        with log.open("wb") as out:
            process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=folder)
        server = cls(process, f"http://127.0.0.1:{port}", log)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"mlflow server exited: {log.read_text()[-2000:]}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{server.url}/health", timeout=2) as answer,
            ):
                if answer.status == 200:
                    return server
            time.sleep(0.5)
        server.stop()
        raise RuntimeError(f"mlflow server did not start: {log.read_text()[-2000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Relay:
    """A byte relay on its own port to `target`; down() makes connections fail."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._lock = threading.Lock()
        self.up()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def up(self) -> None:
        with self._lock:
            if self._listener is not None:
                return
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(16)
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                client.close()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(a, b), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


def settings_yaml(uri: str, suffix: str, targets: str = "[manifest, mlflow]") -> str:
    names = "".join(f"        {m}: {{name: {m}-{suffix}}}\n" for m in MODELS)
    return (
        f"  deploy:\n    targets: {targets}\n    mlflow:\n      tracking_uri: {uri}\n"
        f"      aliases: {{production: champion}}\n      models:\n{names}"
    )


def configure(repo: Path, uri: str, suffix: str, when: str) -> str:
    """Commit modelops.yaml with the mlflow target on main; the commit."""
    text = (repo / "modelops.yaml").read_text(encoding="utf-8")
    return commit(repo, {"modelops.yaml": text + settings_yaml(uri, suffix)}, "mlflow", when=when)
