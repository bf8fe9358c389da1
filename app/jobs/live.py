"""A running job's live progress, heartbeat and cancel request, seen by every web host.

They are kept apart from the job's row on purpose: the job writes its results in one
transaction committed at the end, so nothing it reports can go through that transaction
(no page would see it until the end) nor a second connection (SQLite would make it wait
for the job's own lock). With Redis they live in Redis, keyed under the queue's name;
without, in this process's memory (in-process jobs run in the web process that shows them).
"""

import threading
import time
from functools import cache

from flask import current_app


@cache
def _redis(url: str):
    import redis

    return redis.Redis.from_url(url)


class RedisLive:
    def __init__(self, url: str, prefix: str, ttl: int):
        self.connection, self.prefix, self.ttl = _redis(url), prefix, ttl

    def _key(self, what: str, job_id: int) -> str:
        return f"{self.prefix}:job:{job_id}:{what}"

    def report(self, job_id: int, progress: int, message: str) -> None:
        pipe = self.connection.pipeline()
        pipe.hset(self._key("progress", job_id), mapping={"progress": progress,
                                                          "message": message})
        pipe.expire(self._key("progress", job_id), self.ttl)
        pipe.execute()

    def progress(self, job_id: int) -> tuple[int, str] | None:
        found = self.connection.hgetall(self._key("progress", job_id))
        if not found:
            return None
        return int(found[b"progress"]), found[b"message"].decode("utf-8")

    def clear(self, job_id: int) -> None:
        self.connection.delete(self._key("progress", job_id), self._key("cancel", job_id))

    def request_cancel(self, job_id: int) -> None:
        self.connection.set(self._key("cancel", job_id), 1, ex=86400)

    def cancel_requested(self, job_id: int) -> bool:
        return bool(self.connection.exists(self._key("cancel", job_id)))


class MemoryLive:
    """The same, for jobs run in this process."""

    _lock = threading.Lock()
    _progress: dict[tuple[str, int], tuple[int, str, float]] = {}
    _cancel: set[tuple[str, int]] = set()

    def __init__(self, prefix: str, ttl: int):
        self.prefix, self.ttl = prefix, ttl

    def report(self, job_id, progress, message):
        with self._lock:
            self._progress[self.prefix, job_id] = (progress, message, time.monotonic())

    def progress(self, job_id):
        with self._lock:
            found = self._progress.get((self.prefix, job_id))
        if found is None or time.monotonic() - found[2] > self.ttl:
            return None
        return found[0], found[1]

    def clear(self, job_id):
        with self._lock:
            self._progress.pop((self.prefix, job_id), None)
            self._cancel.discard((self.prefix, job_id))

    def request_cancel(self, job_id):
        with self._lock:
            self._cancel.add((self.prefix, job_id))

    def cancel_requested(self, job_id):
        with self._lock:
            return (self.prefix, job_id) in self._cancel


def live():
    """The live store for the current app's configuration."""
    config = current_app.config
    prefix, ttl = config["JOBS_QUEUE"], config["JOBS_HEARTBEAT_SECONDS"]
    if config["REDIS_URL"]:
        return RedisLive(config["REDIS_URL"], prefix, ttl)
    return MemoryLive(prefix, ttl)
