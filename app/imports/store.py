"""Uploads kept between the upload, the preview and the confirm: one folder per upload."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.imports.engine import ImportResult

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


class ImportBusy(Exception):
    """Another request is confirming the same upload."""


class UploadStore:
    """Uploaded files in ``root/<token>/``: the file (never under the user's name), its
    owner, the progress and the preview. Folders older than `keep_hours` are purged.

    The file and the preview hold personal data: with `encrypt` and `decrypt` (bytes to
    bytes) they are stored encrypted, as the database keeps names.
    """

    def __init__(self, root: Path | str, keep_hours: float = 24, *,
                 encrypt: Callable[[bytes], bytes] | None = None,
                 decrypt: Callable[[bytes], bytes] | None = None):
        self.root = Path(root)
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
        if not self.valid_token(token):
            raise LookupError(token)
        return self.root / token

    def exists(self, token: str) -> bool:
        return self.valid_token(token) and (self.folder(token) / "meta.json").is_file()

    def save(self, token: str, stream, meta: Mapping[str, Any]) -> bytes:
        """Store an uploaded stream under `token` with its metadata; return its contents.

        The web server's upload limit (MAX_CONTENT_LENGTH) bounds the stream.
        """
        self.purge()
        folder = self.folder(token)
        folder.mkdir(parents=True, exist_ok=False)
        data = stream.read()
        (folder / "upload").write_bytes(self.encrypt(data))
        self._write(folder / "meta.json", {**meta, "stored_at": time.time()})
        return data

    def upload(self, token: str) -> bytes:
        """The stored file's contents."""
        return self.decrypt((self.folder(token) / "upload").read_bytes())

    def meta(self, token: str) -> dict | None:
        return self._read(self.folder(token) / "meta.json") if self.exists(token) else None

    def update_meta(self, token: str, **values) -> None:
        meta = self.meta(token) or {}
        self._write(self.folder(token) / "meta.json", {**meta, **values})

    def write_progress(self, token: str, stage: str, done: int = 0, total: int = 0) -> None:
        if self.folder(token).is_dir():
            self._write(self.folder(token) / "progress.json",
                        {"stage": stage, "done": done, "total": total})

    def progress(self, token: str) -> dict | None:
        path = self.folder(token) / "progress.json"
        return self._read(path) if path.is_file() else None

    def save_result(self, token: str, result: ImportResult) -> None:
        path = self.folder(token) / "result"
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(self.encrypt(result.to_json().encode("utf-8")))
        os.replace(temporary, path)

    def load_result(self, token: str) -> ImportResult | None:
        path = self.folder(token) / "result"
        if not path.is_file():
            return None
        return ImportResult.from_json(self.decrypt(path.read_bytes()).decode("utf-8"))

    def delete(self, token: str) -> None:
        shutil.rmtree(self.folder(token), ignore_errors=True)

    def purge(self) -> None:
        """Delete uploads older than the keeping time (they hold personal data)."""
        if not self.root.is_dir():
            return
        limit = time.time() - self.keep_seconds
        for folder in self.root.iterdir():
            if folder.is_dir() and _TOKEN.match(folder.name) and \
                    folder.stat().st_mtime < limit:
                shutil.rmtree(folder, ignore_errors=True)

    @contextmanager
    def lock(self, token: str):
        """Hold the upload for one confirm at a time."""
        path = self.folder(token) / "confirming.lock"
        try:
            descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError as error:
            raise ImportBusy(token) from error
        os.close(descriptor)
        try:
            yield
        finally:
            path.unlink(missing_ok=True)

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
