"""Process liveness through advisory file locks, which the kernel drops when a process dies
(even by SIGKILL or power loss), unlike PID files, whose numbers get reused."""

from __future__ import annotations

import fcntl
import os
import socket
import uuid
from pathlib import Path


class ProcessLock:
    """Held for the whole life of a process that may leave ledger rows in 'sending'."""

    def __init__(self, state_dir: Path) -> None:
        host = "".join(c if c.isalnum() else "-" for c in socket.gethostname())[:40]
        self.id = f"{host}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.folder = state_dir / "claims"
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = self.folder / f"{self.id}.lock"
        self._fd: int | None = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def release(self) -> None:
        if self._fd is not None:
            self.path.unlink(missing_ok=True)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def claimer_alive(state_dir: Path, claimer: str) -> bool:
    path = state_dir / "claims" / f"{claimer}.lock"
    if "/" in claimer or not path.exists():
        return False
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    path.unlink(missing_ok=True)
    return False


class SingleInstance:
    """An exclusive lock on a named file; acquiring fails at once if another process has it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
