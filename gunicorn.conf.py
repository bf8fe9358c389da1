"""gunicorn settings for Qibu, read from the working directory (or `--config`).

Run from the project folder: ``.venv/bin/gunicorn 'app:create_app()'`` (README,
"Deploying with gunicorn"). Options given on the command line override these.
"""

import os

bind = os.environ.get("QIBU_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("QIBU_WORKERS", "2"))
worker_class = "sync"
# a second gunicorn of the same user would collide on ~/.gunicorn/gunicorn.ctl
control_socket_disable = True


def post_worker_init(worker):
    """Once the worker has loaded the app: warm what it caches and freeze the heap, so a
    garbage collection during a request no longer walks the start-up objects."""
    from app.serving import prepare_worker

    frozen = prepare_worker(worker.wsgi)
    worker.log.info("Qibu worker %s ready: %d start-up objects frozen", worker.pid, frozen)
