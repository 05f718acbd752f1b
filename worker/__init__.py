"""The process side of RQ: workers, the single cron process and its schedule.

- ``gerai worker [QUEUE…]`` (runner.py): a forking RQ worker; the database engine is disposed in
  each work horse, every job runs in the coop named by its explicit ``tenant_id`` and none is left
  behind.
- ``gerai cron`` (cron.py): exactly one schedule process (RQ's cron, plus a Redis lock so a second
  one stands by); the schedule itself is data in schedule.py.
- ``gerai jobs list`` (cli.py): recent or failed jobs across coops, for the operator.

It imports ``app``; ``app`` never imports ``worker``. Business rules live in the domains' tasks.py.
"""
