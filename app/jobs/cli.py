"""`qibu worker`: run jobs from the Redis queue."""

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--fork", is_flag=True,
              help="Run each job in a forked process (RQ's default) instead of this one; "
                   "the prepared openings register is then rebuilt for every job.")
@click.option("--simple", is_flag=True, hidden=True,
              help="Run each job in this process (the default now; kept for old units).")
@with_appcontext
def worker_command(burst, fork, simple):
    """Run queued jobs (fair plans, the city-wide ranking's blocks, training the matcher,
    ...) from QIBU_REDIS_URL, one after the other in this process: what the matcher
    prepares once per version of the openings register (text features, facet tables)
    stays warm from one ranking block to the next. A job's writes are committed with its
    "done"; a worker killed mid-job leaves nothing and systemd starts it again."""
    config = current_app.config
    if not config["REDIS_URL"]:
        raise click.ClickException(
            "QIBU_REDIS_URL is not set: without Redis, jobs run inside the web process and "
            "need no worker. Set QIBU_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to use one.")
    import os

    from rq import SimpleWorker, Worker

    from app.jobs.live import _redis
    from models import db

    if fork:
        # RQ forks a work horse per job: it must not use the connections of the worker's pool
        engine = db.engine
        os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    connection = _redis(config["REDIS_URL"])
    worker_class = _prompt_stop(Worker if fork and not simple else SimpleWorker)
    # the app context pushed here is what each job (and each forked work horse) runs in
    worker = worker_class([config["JOBS_QUEUE"]], connection=connection)
    click.echo(f"Qibu worker on queue {config['JOBS_QUEUE']!r}")
    worker.work(burst=burst, with_scheduler=False)


def _prompt_stop(worker_class):
    """`worker_class` whose warm shut-down does not wait for its Redis listener.

    RQ sends UNSUBSCRIBE, then stops the listener thread and waits for it; the listener
    reads in 60-second slices, and when the reply lands before the stop flag is set it
    starts another slice, so an idle worker told to stop by systemd hung up to a minute
    (tests/app/test_jobs_queue.py). The listener is a daemon thread and the connection
    goes with the process: stop it first, waiting a second at most.
    """
    class PromptStop(worker_class):
        def unsubscribe(self):
            thread = getattr(self, "pubsub_thread", None)
            if thread is not None:
                thread.stop(timeout=1)
                self.pubsub_thread = None
            super().unsubscribe()

    PromptStop.__name__ = worker_class.__name__
    return PromptStop
