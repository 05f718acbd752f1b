"""``python -m worker [QUEUE…] [--burst]`` is ``gerai worker``."""

from __future__ import annotations

import sys

from flask.cli import FlaskGroup

from app.cli import _create_app
from worker.cli import cron_cmd, jobs_cli, worker_cmd


def main() -> None:
    cli = FlaskGroup(create_app=_create_app, add_default_commands=False, load_dotenv=False)
    for command in (worker_cmd, cron_cmd, jobs_cli):
        cli.add_command(command)
    args = sys.argv[1:]
    if not args or args[0] not in ("worker", "cron", "jobs"):
        args = ["worker", *args]
    cli.main(args=args, prog_name="python -m worker")


if __name__ == "__main__":
    main()
