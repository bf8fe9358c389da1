"""Uploads kept between the upload, the preview and the confirm, and the confirm lock.

The upload, its metadata and its preview are rows in the database (`UploadStore`), seen by
every web host. A host keeps a folder per upload only for what runs on it: the progress of
a check or confirm and the confirm lock below; the row itself is claimed by the confirm's
transaction (on PostgreSQL a row lock, dropped with a dead worker's connection), so of two
confirms on two hosts only one saves.

A confirm holds the upload's ``confirming.lock`` while it writes. The lock file records
who holds it (`LockHolder`: pid, host name, process and start time) and the holder keeps
an exclusive ``flock`` on it, which the kernel drops when the process dies however it
dies (SIGKILL, OOM killer, gunicorn's worker timeout). So a confirm whose worker died is
seen as such, and the next confirm takes the lock over:

* on the same host (every gunicorn worker, every container on the same kernel and
  volume) the kernel lock decides: held means a live confirm; free means its holder is
  gone, also checked by its pid (with the process's start time, against pid reuse). A
  holder that is alive is never taken over, however long it runs;
* a holder recorded on another host cannot be checked: it is stale when older than the
  request timeout (``IMPORT_CONFIRM_TIMEOUT``), as is a lock without a readable record
  (one left by an older Qibu);
* taking over is atomic: only the process holding the kernel lock on the lock file
  judges and rewrites it, so of two retries racing exactly one wins.

Nothing half-written is left by a dead confirm: its database transaction was never
committed, and the progress it left ("writing 1000/5000") is reset by the next confirm.

The lock file is this host's: it tells a live confirm here from a dead one, and the
preview on this host says an import is being saved. Between hosts, `UploadStore.claim`
and `UploadStore.forget` decide in the database.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import re
import secrets
import shutil
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from app.imports.engine import ImportResult
from models import ImportUpload, db, utcnow

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
LOCK_NAME = "confirming.lock"
# seconds after which a confirm lock whose holder cannot be checked (another host) is
# stale: gunicorn's request timeout (30 s) with a wide margin; see IMPORT_CONFIRM_TIMEOUT
DEFAULT_CONFIRM_TIMEOUT = 120

log = logging.getLogger(__name__)


def _read_text(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def _boot_id() -> str | None:
    """This kernel's boot (a pid of before a reboot names no process of now)."""
    text = _read_text("/proc/sys/kernel/random/boot_id")
    return text.strip() if text else None


def _process_state(pid: int) -> tuple[str, str] | None:
    """A process's state letter and start time (clock ticks after boot) from /proc, or
    None where there is no /proc or no such process."""
    text = _read_text(f"/proc/{pid}/stat")
    if not text or ")" not in text:
        return None
    fields = text.rsplit(")", 1)[1].split()  # the name in (...) may hold spaces
    return (fields[0], fields[19]) if len(fields) > 19 else None


def _process_alive(pid: int, started: str | None) -> bool:
    """Whether process `pid` of this host still exists and is the one that started at
    `started` (a pid can be given to a new process once the old one has gone)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    state = _process_state(pid)
    if state is None:
        return True  # no /proc (not Linux): the pid exists
    letter, start = state
    return letter not in ("Z", "X") and (started is None or start == started)


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or held) an upload's confirm lock, as its lock file records."""

    id: str  # this holding, to tell it from a later one of the same process
    pid: int
    host: str
    started: float  # time.time() when the lock was taken
    process_started: str | None = None  # the pid's start time in /proc (pid reuse)
    boot: str | None = None  # the host's boot id

    @classmethod
    def me(cls) -> LockHolder:
        state = _process_state(os.getpid())
        return cls(id=secrets.token_hex(8), pid=os.getpid(), host=socket.gethostname(),
                   started=time.time(), process_started=state[1] if state else None,
                   boot=_boot_id())

    @classmethod
    def from_bytes(cls, data: bytes) -> LockHolder | None:
        try:
            record = json.loads(data.decode("utf-8"))
            return cls(id=str(record["id"]), pid=int(record["pid"]),
                       host=str(record["host"]), started=float(record["started"]),
                       process_started=record.get("process_started"),
                       boot=record.get("boot"))
        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self)).encode("utf-8")

    def here(self) -> bool:
        """Whether the holder ran on this host since its last boot (so it can be checked)."""
        return self.host == socket.gethostname() and \
            (self.boot is None or _boot_id() is None or self.boot == _boot_id())

    def alive(self, timeout: float, now: float | None = None) -> bool:
        """Whether the holder may still be confirming: on this host, whether its process
        exists; elsewhere, whether it is younger than `timeout` seconds."""
        if self.here():
            return _process_alive(self.pid, self.process_started)
        if self.host == socket.gethostname():
            return False  # this host has been restarted since
        return (now if now is not None else time.time()) - self.started <= timeout


@dataclass(frozen=True)
class ConfirmLock:
    """A confirm lock held: by whom, and the dead confirm's holder it took over, if any."""

    holder: LockHolder
    previous: LockHolder | None = None
    took_over: bool = False


class ImportBusy(Exception):
    """Another request is confirming the same upload (`holder`, when it is known)."""

    def __init__(self, token: str, holder: LockHolder | None = None):
        super().__init__(token)
        self.holder = holder


class UploadStore:
    """Uploaded files between the upload, the preview and the confirm.

    The file, its metadata (owner, file name, format) and the checked preview are rows of
    ``import_uploads`` (`models.ImportUpload`), written through the request's session, so
    any web host serves any page of an import. The file, the metadata and the preview hold
    personal data: with `encrypt` and `decrypt` (bytes to bytes) the file and preview are
    stored encrypted (the metadata is an encrypted text column). Uploads older than
    `keep_hours` are purged.

    What a host keeps in ``root/<token>/`` is only what its own requests are doing now:
    the progress bar of a check or a confirm running here, and the confirm lock (see the
    module's notes). A confirm also claims the upload's row (`claim`, `forget`), so two
    confirms of one upload on two hosts cannot both save it.
    """

    def __init__(self, root: Path | str, keep_hours: float = 24, *,
                 encrypt: Callable[[bytes], bytes] | None = None,
                 decrypt: Callable[[bytes], bytes] | None = None,
                 confirm_timeout: float = DEFAULT_CONFIRM_TIMEOUT,
                 shared_progress: SharedProgress | None = None):
        self.root = Path(root)
        self.shared_progress = shared_progress
        self.confirm_timeout = confirm_timeout
        self.keep_hours = keep_hours
        self.keep_seconds = keep_hours * 3600
        self.encrypt = encrypt or (lambda data: data)
        self.decrypt = decrypt or (lambda data: data)

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(24)

    @staticmethod
    def valid_token(token: str | None) -> bool:
        return bool(token) and _TOKEN.match(token) is not None

    def folder(self, token: str) -> Path:
        """This host's folder for the upload's progress and confirm lock."""
        if not self.valid_token(token):
            raise LookupError(token)
        return self.root / token

    @staticmethod
    def _row(token: str) -> ImportUpload | None:
        return db.session.get(ImportUpload, token)

    def exists(self, token: str) -> bool:
        return self.valid_token(token) and db.session.scalar(
            sa.select(sa.func.count()).where(ImportUpload.token == token)) > 0

    def save(self, token: str, stream, meta: Mapping[str, Any]) -> bytes:
        """Store an uploaded stream under `token` with its metadata; return its contents.

        The web server's upload limit (MAX_CONTENT_LENGTH) bounds the stream. Flushes;
        the caller commits.
        """
        self.purge()
        if not self.valid_token(token) or self.exists(token):
            raise FileExistsError(token)
        data = stream.read()
        db.session.add(ImportUpload(
            token=token, kind=str(meta.get("kind", ""))[:20], data=self.encrypt(data),
            meta=json.dumps({**meta, "stored_at": time.time()}, ensure_ascii=False)))
        db.session.flush()
        return data

    def upload(self, token: str) -> bytes:
        """The stored file's contents."""
        row = self._row(token)
        if row is None:
            raise LookupError(token)
        return self.decrypt(row.data)

    def meta(self, token: str) -> dict | None:
        row = self._row(token) if self.valid_token(token) else None
        return None if row is None else json.loads(row.meta)

    def update_meta(self, token: str, **values) -> None:
        row = self._row(token)
        if row is not None:
            row.meta = json.dumps({**json.loads(row.meta), **values}, ensure_ascii=False)

    def write_progress(self, token: str, stage: str, done: int = 0, total: int = 0) -> None:
        """Note how far the request checking or saving the upload has got (polled by the
        page's progress bar): where every host sees it when `shared_progress` is given
        (Redis), else in this host's folder."""
        state = {"stage": stage, "done": done, "total": total}
        if self.shared_progress is not None:
            self.shared_progress.write(self.folder(token).name, state)
            return
        folder = self.folder(token)
        folder.mkdir(parents=True, exist_ok=True)
        self._write(folder / "progress.json", state)

    def progress(self, token: str) -> dict | None:
        if self.shared_progress is not None:
            return self.shared_progress.read(self.folder(token).name)
        path = self.folder(token) / "progress.json"
        return self._read(path) if path.is_file() else None

    def checked(self, token: str) -> bool:
        """Whether the upload's check has finished (its preview is kept)."""
        return db.session.scalar(sa.select(ImportUpload.result.is_not(None))
                                 .where(ImportUpload.token == token)) or False

    def save_result(self, token: str, result: ImportResult) -> None:
        row = self._row(token)
        if row is not None:
            row.result = self.encrypt(result.to_json().encode("utf-8"))

    def load_result(self, token: str) -> ImportResult | None:
        row = self._row(token)
        if row is None or row.result is None:
            return None
        return ImportResult.from_json(self.decrypt(row.result).decode("utf-8"))

    def claim(self, token: str) -> None:
        """Hold the upload's row for this confirm's transaction: raise ImportBusy when a
        confirm on another host holds it (PostgreSQL; the lock goes with the transaction,
        also when the worker holding it dies), or when it is gone (saved or cancelled)."""
        query = sa.select(ImportUpload.token).where(ImportUpload.token == token)
        if db.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(nowait=True)
        try:
            found = db.session.scalar(query)
        except sa.exc.OperationalError:
            db.session.rollback()
            raise ImportBusy(token) from None
        if found is None:
            raise ImportBusy(token)

    def forget(self, token: str) -> None:
        """Delete the upload's row in the confirm's transaction; raise ImportBusy if another
        confirm deleted it first (it saved the file; this one must save nothing)."""
        deleted = db.session.execute(
            sa.delete(ImportUpload).where(ImportUpload.token == token)
            .execution_options(synchronize_session=False)).rowcount
        if deleted != 1:
            raise ImportBusy(token)

    def refuse(self, token: str, reason: Mapping[str, Any]) -> None:
        """Mark the upload as a file that cannot be imported (`reason`: the message's key
        and values, shown by the next page) and drop its contents. Flushes only."""
        row = self._row(token)
        if row is not None:
            row.data, row.result = self.encrypt(b""), None
            row.meta = json.dumps({**json.loads(row.meta), "refused": dict(reason)},
                                  ensure_ascii=False)

    def delete(self, token: str) -> None:
        """Delete the upload (flushed; the caller commits) and this host's folder of it."""
        db.session.execute(sa.delete(ImportUpload).where(ImportUpload.token == token)
                           .execution_options(synchronize_session=False))
        self.delete_folder(token)

    def delete_folder(self, token: str) -> None:
        shutil.rmtree(self.folder(token), ignore_errors=True)
        if self.shared_progress is not None:
            self.shared_progress.forget(token)

    def purge(self) -> int:
        """Delete uploads older than the keeping time (they hold personal data), and this
        host's folders of them; return how many uploads were deleted."""
        deleted = purge_uploads(self.keep_hours)
        if self.root.is_dir():
            limit = time.time() - self.keep_seconds
            for folder in self.root.iterdir():
                if folder.is_dir() and _TOKEN.match(folder.name) and \
                        folder.stat().st_mtime < limit:
                    shutil.rmtree(folder, ignore_errors=True)
        return deleted

    @contextmanager
    def lock(self, token: str, *, timeout: float | None = None) -> Iterator[ConfirmLock]:
        """Hold the upload for one confirm at a time; raise ImportBusy while a live confirm
        holds it. A lock left by a confirm that died (its process gone from this host, or,
        held from another host, older than `timeout` seconds) is taken over. The
        progress starts again from "planning" either way."""
        timeout = self.confirm_timeout if timeout is None else timeout
        held, descriptor = self._acquire(token, timeout)
        path = self.folder(token) / LOCK_NAME
        try:
            if held.took_over:
                log.warning("import %s: the confirm of pid %s on %s (since %s) died; "
                            "taking over its lock", token,
                            held.previous.pid if held.previous else "?",
                            held.previous.host if held.previous else "?",
                            time.ctime(held.previous.started) if held.previous else "?")
            self.write_progress(token, "planning")
            yield held
        finally:
            try:  # remove the lock file while still holding it, unless it was taken over
                current = LockHolder.from_bytes(os.pread(descriptor, 4096, 0))
                if _same_file(descriptor, path) and current is not None and \
                        current.id == held.holder.id:
                    path.unlink(missing_ok=True)
            finally:
                os.close(descriptor)  # the kernel lock goes with the last descriptor

    def confirming(self, token: str, *, timeout: float | None = None) -> LockHolder | None:
        """The holder of a confirm of `token` that is running now (or, held from another
        host, may be), else None; the lock is looked at, not taken."""
        timeout = self.confirm_timeout if timeout is None else timeout
        path = self.folder(token) / LOCK_NAME
        try:
            data, mtime = path.read_bytes(), path.stat().st_mtime
        except FileNotFoundError:
            return None
        holder = LockHolder.from_bytes(data)
        if holder is None:  # a lock of an older Qibu, or one being rewritten
            if time.time() - mtime > timeout:
                return None
            return LockHolder(id="", pid=0, host="", started=mtime)
        return holder if holder.alive(timeout) else None

    def _acquire(self, token: str, timeout: float) -> tuple[ConfirmLock, int]:
        """Take the lock file: create it, or take it over when its holder is gone.

        Whoever holds the kernel lock on the file is the only one to judge and rewrite
        it, so two processes (or threads) taking over a stale lock cannot both win.
        """
        path = self.folder(token) / LOCK_NAME
        path.parent.mkdir(parents=True, exist_ok=True)  # a confirm on a host new to it
        me = LockHolder.me()
        for _ in range(10):
            try:
                descriptor = os.open(path, os.O_RDWR)
            except FileNotFoundError:
                descriptor = self._create(path, me)
                if descriptor is None:
                    continue  # another confirm created it first: look at it again
                return ConfirmLock(me), descriptor
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                os.close(descriptor)
                if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
                # a live process of this host holds it (or is taking it over right now)
                raise ImportBusy(token, self.confirming(token, timeout=timeout)) from None
            try:
                if not _same_file(descriptor, path):
                    os.close(descriptor)  # released and removed meanwhile: start again
                    continue
                previous = LockHolder.from_bytes(os.pread(descriptor, 4096, 0))
                if previous is None:  # no record: an older Qibu's lock; judge by its age
                    stale = time.time() - os.fstat(descriptor).st_mtime > timeout
                else:
                    stale = not previous.alive(timeout)
                if not stale:
                    raise ImportBusy(token, previous)
                record = me.to_bytes()
                os.ftruncate(descriptor, 0)
                os.pwrite(descriptor, record, 0)
                os.fsync(descriptor)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.close(descriptor)
                raise
            return ConfirmLock(me, previous, took_over=True), descriptor
        raise ImportBusy(token, self.confirming(token, timeout=timeout))

    @staticmethod
    def _create(path: Path, me: LockHolder) -> int | None:
        """Create the lock file with its record, already locked; None if it exists."""
        temporary = path.with_name(f"{path.name}.{me.id}")
        descriptor = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # nobody else knows it
            os.write(descriptor, me.to_bytes())
            os.fsync(descriptor)
            try:
                os.link(temporary, path)  # appears whole, recorded and locked, or not at all
            except FileExistsError:
                os.close(descriptor)
                return None
        except BaseException:
            with contextlib.suppress(OSError):
                os.close(descriptor)
            raise
        finally:
            temporary.unlink(missing_ok=True)
        return descriptor

    @staticmethod
    def _write(path: Path, data: Mapping[str, Any]) -> None:
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, path)

    @staticmethod
    def _read(path: Path) -> dict | None:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None


def purge_uploads(keep_hours: float, dry_run: bool = False) -> int:
    """Delete uploads stored more than `keep_hours` ago (flushed; the caller commits);
    return how many (with `dry_run`, only count them)."""
    expired = ImportUpload.stored_at < utcnow() - timedelta(hours=keep_hours)
    if dry_run:
        return db.session.scalar(sa.select(sa.func.count()).where(expired))
    return db.session.execute(sa.delete(ImportUpload).where(expired)
                              .execution_options(synchronize_session=False)).rowcount


def _same_file(descriptor: int, path: Path) -> bool:
    """Whether the open file is still the one `path` names."""
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(descriptor)
    return (mine.st_dev, mine.st_ino) == (named.st_dev, named.st_ino)


class SharedProgress:
    """Imports' progress in Redis, seen by every web host (`QIBU_REDIS_URL`): the upload
    may be checked on one host while its page polls another. Kept `ttl` seconds."""

    def __init__(self, connection, prefix: str, ttl: int):
        self.connection, self.prefix, self.ttl = connection, prefix, max(1, int(ttl))

    def _key(self, token: str) -> str:
        return f"{self.prefix}:import:{token}:progress"

    def write(self, token: str, state: Mapping[str, Any]) -> None:
        self.connection.set(self._key(token), json.dumps(dict(state)), ex=self.ttl)

    def read(self, token: str) -> dict | None:
        found = self.connection.get(self._key(token))
        return json.loads(found) if found else None

    def forget(self, token: str) -> None:
        self.connection.delete(self._key(token))
