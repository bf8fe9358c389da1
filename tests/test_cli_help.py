"""`qibu --help` lists every command without building the app (issue 19: ≤ 1 s)."""

import subprocess
import sys
from pathlib import Path

import click

from app.cli import COMMAND_SUMMARIES, main

ROOT = Path(__file__).resolve().parent.parent


def test_the_listed_commands_are_the_ones_the_app_registers(app):
    ctx = click.Context(main, info_name="qibu", obj=None)
    with ctx:
        registered = {name: main.get_command(ctx, name) for name in main.list_commands(ctx)}
    assert sorted(COMMAND_SUMMARIES) == sorted(registered)
    for name, command in registered.items():
        assert COMMAND_SUMMARIES[name] == command.get_short_help_str(limit=10**6), name


def test_help_prints_every_command_and_builds_no_app():
    probe = ("import sys, json; sys.argv = ['qibu', '--help']\n"
             "from app.cli import main\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "print(json.dumps(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True)
    *shown, modules = done.stdout.splitlines()
    listed = [line.split()[0] for line in shown[shown.index("Commands:") + 1:]]
    assert listed == sorted(COMMAND_SUMMARIES)
    assert "  purge            Anonymise people released longer ago than..." in shown
    loaded = set(__import__("json").loads(modules))
    assert not loaded & {"app.factory", "sqlalchemy", "models", "pandas", "flask_migrate"}
