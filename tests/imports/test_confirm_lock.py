"""The confirm lock of an upload (UploadStore.lock): a live confirm is respected, one that
died is taken over, and of several retries racing for a stale lock exactly one wins.

Holders are real processes where it matters: a child process takes the lock and is
killed with SIGKILL, as a gunicorn worker is.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from app.imports.store import LOCK_NAME, ImportBusy, UploadStore

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60.0


@pytest.fixture
def uploads(tmp_path):
    return UploadStore(tmp_path / "imports", confirm_timeout=TIMEOUT)


@pytest.fixture
def token(uploads):
    token = uploads.new_token()
    uploads.folder(token).mkdir(parents=True)
    uploads.write_progress(token, "writing", 1000, 5000)
    return token


def lock_path(uploads, token) -> Path:
    return uploads.folder(token) / LOCK_NAME


def write_record(uploads, token, **values) -> None:
    """A lock file as a holder of `values` would have left it (without a kernel lock)."""
    record = {"id": "0123456789abcdef", "pid": os.getpid(), "host": socket.gethostname(),
              "started": time.time(), **values}
    lock_path(uploads, token).write_text(json.dumps(record), encoding="utf-8")


def exited_pid() -> int:
    """The pid of a process that has come and gone."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


HOLDER = textwrap.dedent("""
    import sys, time
    from app.imports.store import UploadStore
    uploads = UploadStore(sys.argv[1])
    with uploads.lock(sys.argv[2], timeout=60):
        uploads.write_progress(sys.argv[2], "writing", 1000, 5000)
        print("held", flush=True)
        time.sleep(120)
""")


def start_holder(uploads, token) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(uploads.root), token],
                               cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_lock_records_its_holder_and_goes_with_it(uploads, token):
    with uploads.lock(token) as held:
        record = json.loads(lock_path(uploads, token).read_text())
        assert record["pid"] == os.getpid() and record["host"] == socket.gethostname()
        assert abs(record["started"] - time.time()) < 5 and record["id"] == held.holder.id
        assert not held.took_over and held.previous is None
        assert uploads.confirming(token) == held.holder
        assert uploads.progress(token) == {"stage": "planning", "done": 0, "total": 0}
    assert not lock_path(uploads, token).exists()
    assert uploads.confirming(token) is None
    assert sorted(p.name for p in uploads.folder(token).iterdir()) == ["progress.json"]


def test_a_live_confirm_is_respected_and_a_killed_one_taken_over(uploads, token):
    holder = start_holder(uploads, token)
    try:
        with pytest.raises(ImportBusy) as busy, uploads.lock(token):
            pytest.fail("took the lock of a live confirm")
        assert busy.value.holder is not None and busy.value.holder.pid == holder.pid
        assert uploads.confirming(token).pid == holder.pid
        # however old: a live holder on this host is never taken over
        with pytest.raises(ImportBusy), uploads.lock(token, timeout=0):
            pytest.fail("took the lock of a live confirm")
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        holder.stdout.close()
    # what a killed worker leaves behind: the lock and its progress
    assert lock_path(uploads, token).exists()
    assert uploads.progress(token)["stage"] == "writing"
    assert uploads.confirming(token) is None
    with uploads.lock(token) as held:
        assert held.took_over and held.previous.pid == holder.pid
        assert held.holder.pid == os.getpid()
        assert uploads.progress(token) == {"stage": "planning", "done": 0, "total": 0}
    assert not lock_path(uploads, token).exists()


def test_a_lock_of_a_process_that_is_gone_is_taken_over(uploads, token):
    write_record(uploads, token, pid=exited_pid())
    with uploads.lock(token) as held:
        assert held.took_over
    # the pid is alive, but a process started later has it (pid reuse)
    write_record(uploads, token, pid=os.getpid(), process_started="1")
    with uploads.lock(token) as held:
        assert held.took_over
    # the host has been restarted since
    write_record(uploads, token, pid=os.getpid(), boot="a-boot-before-this-one")
    with uploads.lock(token) as held:
        assert held.took_over


def test_a_lock_of_a_live_process_is_respected_even_without_its_kernel_lock(uploads, token):
    """A file system without working flock: the live pid alone keeps the lock."""
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        write_record(uploads, token, pid=sleeper.pid, started=time.time() - 10 * TIMEOUT)
        with pytest.raises(ImportBusy) as busy, uploads.lock(token):
            pytest.fail("took the lock of a live process")
        assert busy.value.holder.pid == sleeper.pid
    finally:
        sleeper.kill()
        sleeper.wait()
    with uploads.lock(token) as held:
        assert held.took_over and held.previous.pid == sleeper.pid


def test_a_lock_held_from_another_host_is_stale_after_the_timeout(uploads, token):
    write_record(uploads, token, host="another-host", pid=1, started=time.time() - 10)
    with pytest.raises(ImportBusy) as busy, uploads.lock(token):
        pytest.fail("took a recent lock of another host")
    assert busy.value.holder.host == "another-host"
    assert uploads.confirming(token).host == "another-host"

    write_record(uploads, token, host="another-host", pid=1,
                 started=time.time() - TIMEOUT - 1)
    assert uploads.confirming(token) is None
    with uploads.lock(token) as held:
        assert held.took_over and held.previous.host == "another-host"
        assert uploads.progress(token)["stage"] == "planning"
    # the timeout can be given with the lock (the app passes IMPORT_CONFIRM_TIMEOUT)
    write_record(uploads, token, host="another-host", pid=1, started=time.time() - 10)
    with uploads.lock(token, timeout=5) as held:
        assert held.took_over


def test_an_empty_lock_of_an_older_qibu_is_stale_after_the_timeout(uploads, token):
    lock_path(uploads, token).touch()
    with pytest.raises(ImportBusy), uploads.lock(token):
        pytest.fail("took a recent lock")
    old = time.time() - TIMEOUT - 1
    os.utime(lock_path(uploads, token), (old, old))
    assert uploads.confirming(token) is None
    with uploads.lock(token) as held:
        assert held.took_over and held.previous is None


def test_a_lock_taken_over_from_another_host_is_not_removed_by_its_first_holder(uploads, token):
    with uploads.lock(token):
        write_record(uploads, token, id="fedcba9876543210", host="another-host")
    assert json.loads(lock_path(uploads, token).read_text())["host"] == "another-host"


@pytest.mark.parametrize("stale", ["dead pid", "no lock yet"])
def test_threads_racing_for_the_lock_exactly_one_wins(uploads, token, stale):
    if stale == "dead pid":
        write_record(uploads, token, pid=exited_pid())
    racers = 8
    start = threading.Barrier(racers)
    outcomes: list[str] = []

    def race():
        start.wait()
        try:
            with uploads.lock(token):
                outcomes.append("won")
                time.sleep(0.3)  # hold it while the others try
        except ImportBusy:
            outcomes.append("busy")

    threads = [threading.Thread(target=race) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["busy"] * (racers - 1) + ["won"]
    assert not lock_path(uploads, token).exists()


RACER = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from app.imports.store import ImportBusy, UploadStore
    uploads, gate = UploadStore(sys.argv[1]), Path(sys.argv[3])
    (gate / f"ready-{os.getpid()}").touch()
    while not (gate / "go").exists():  # every racer is started and waiting
        time.sleep(0.001)
    try:
        with uploads.lock(sys.argv[2], timeout=60) as held:
            print("won" if held.took_over else "created", flush=True)
            time.sleep(1.0)  # hold it while the others try
    except ImportBusy:
        print("busy", flush=True)
""")


@pytest.mark.slow
def test_processes_racing_for_a_stale_lock_exactly_one_wins(uploads, token, tmp_path):
    racers = 6
    for round_ in range(2):
        write_record(uploads, token, pid=exited_pid())
        gate = tmp_path / f"gate-{round_}"
        gate.mkdir()
        processes = [subprocess.Popen([sys.executable, "-c", RACER, str(uploads.root), token,
                                       str(gate)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
                     for _ in range(racers)]
        deadline = time.monotonic() + 120
        while len(list(gate.glob("ready-*"))) < racers and time.monotonic() < deadline:
            time.sleep(0.01)
        (gate / "go").touch()
        outcomes = []
        for process in processes:
            output, _ = process.communicate(timeout=60)
            assert process.returncode == 0
            outcomes.append(output.strip())
        assert sorted(outcomes) == ["busy"] * (racers - 1) + ["won"], outcomes
        assert not lock_path(uploads, token).exists()
