"""`qibu worker`: run jobs from the Redis queue."""

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--simple", is_flag=True,
              help="Run each job in this process instead of a forked one (debugging).")
@with_appcontext
def worker_command(burst, simple):
    """Run queued jobs (fair plans, training the matcher, ...) from QIBU_REDIS_URL."""
    config = current_app.config
    if not config["REDIS_URL"]:
        raise click.ClickException(
            "QIBU_REDIS_URL is not set: without Redis, jobs run inside the web process and "
            "need no worker. Set QIBU_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to use one.")
    import os

    from rq import SimpleWorker, Worker

    from app.jobs.live import _redis
    from models import db

    # RQ forks a work horse per job: it must not use the connections of the worker's pool
    engine = db.engine
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    connection = _redis(config["REDIS_URL"])
    worker_class = SimpleWorker if simple else Worker
    # the app context pushed here is what each job (and each forked work horse) runs in
    worker = worker_class([config["JOBS_QUEUE"]], connection=connection)
    click.echo(f"Qibu worker on queue {config['JOBS_QUEUE']!r}")
    worker.work(burst=burst, with_scheduler=False)
