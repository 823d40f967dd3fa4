"""The driver's handle on a worker process (see :mod:`benchmarks.worker`).

A worker runs in a fresh interpreter started in a scratch folder, with the repository
root appended (not prepended) to ``sys.path``: the installed polykeras is the one that
runs, and the ``benchmarks`` package is still found. Its stderr goes to a log file whose
tail is shown when something fails.

Example:
    >>> w = WorkerProcess("hand", "numpy", ["--data", folder], env, scratch, log)  # doctest: +SKIP
    >>> w.start(timeout=60)["ok"]  # doctest: +SKIP
    True
    >>> w.request({"op": "setup", "bench": "mlp_epoch"}, timeout=600)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_BOOT = ("import sys; sys.path.append({root!r}); "
         "from benchmarks.worker import main; sys.exit(main(sys.argv[1:]))")


class WorkerFailed(RuntimeError):
    """The worker exited, timed out or answered something unreadable."""


class WorkerProcess:
    """One implementation on one backend in its own interpreter."""

    def __init__(self, impl: str, backend: str, args: list[str], env: dict[str, str],
                 cwd: str, log_path: str) -> None:
        self.impl, self.backend = impl, backend
        self.log_path = log_path
        self._log = open(log_path, "ab")
        self._replies: queue.Queue[str | None] = queue.Queue()
        command = [sys.executable, "-c", _BOOT.format(root=ROOT), "--impl", impl,
                   "--backend", backend, *args]
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._log, env=env, cwd=cwd, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        stdout = self.proc.stdout
        for line in stdout if stdout is not None else ():
            self._replies.put(line)
        self._replies.put(None)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def receive(self, timeout: float) -> dict[str, Any]:
        """The next reply; raises :class:`WorkerFailed` on exit, timeout or garbage."""
        try:
            line = self._replies.get(timeout=timeout)
        except queue.Empty:
            self.kill()
            raise WorkerFailed(f"no answer within {timeout:.0f} s (raise --timeout)") from None
        if line is None:
            code = self.proc.wait()
            raise WorkerFailed(f"worker exited with code {code}")
        try:
            reply = json.loads(line)
        except ValueError:
            raise WorkerFailed(f"unreadable reply {line[:200]!r}") from None
        if not isinstance(reply, dict):
            raise WorkerFailed(f"unexpected reply {line[:200]!r}")
        return reply

    def start(self, timeout: float) -> dict[str, Any]:
        """The worker's first reply: ``{"ok": True, "info": ...}`` or why it cannot run."""
        return self.receive(timeout)

    def request(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        if not self.alive or self.proc.stdin is None:
            raise WorkerFailed("worker is not running")
        try:
            self.proc.stdin.write(json.dumps(message) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as err:
            raise WorkerFailed(f"cannot reach the worker ({err})") from None
        return self.receive(timeout)

    def log_tail(self, lines: int = 15) -> str:
        try:
            self._log.flush()
            with open(self.log_path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(text.rstrip().splitlines()[-lines:])

    def kill(self) -> None:
        if self.alive:
            self.proc.kill()
        self.proc.wait()

    def close(self, timeout: float = 30.0) -> None:
        """Ask the worker to quit; kill it if it does not."""
        if self.alive and self.proc.stdin is not None:
            try:
                self.proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
                self.proc.stdin.flush()
                self.proc.stdin.close()
            except (BrokenPipeError, OSError):
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        self.kill()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._log.close()


def oneshot(impl: str, backend: str, args: list[str], env: dict[str, str], cwd: str,
            log_path: str, timeout: float) -> dict[str, Any]:
    """Run a worker in ``--oneshot`` mode and return its single reply (or the failure)."""
    worker = WorkerProcess(impl, backend, args, env, cwd, log_path)
    try:
        return worker.receive(timeout)
    except WorkerFailed as err:
        return {"ok": False, "status": "error", "reason": str(err), "log": worker.log_tail()}
    finally:
        worker.close()
