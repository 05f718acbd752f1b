"""Mutation testing with mutmut, one group of code at a time with the tests written for it.

    python scripts/mutate.py                      # every group: dues, payments, tenants
    python scripts/mutate.py dues                 # one group
    python scripts/mutate.py tenants 'tenants.door.*'   # only the mutants matching a pattern
    python scripts/mutate.py --max-children 1 payments

Why groups: mutmut has one test selection for a run, and runs every test that called a mutated
function. The tenancy kernel is called by every database test, so with one selection each kernel
mutant that survives would run the whole suite. Each group here mutates only its own code and
selects only its own tests (mutmut's [tool.mutmut] in pyproject.toml holds the shared settings).

Each group runs in its own process in a fresh ``mutants/`` copy; its counts and the diff of every
survivor are written to ``bench/out/mutation-<group>.txt``. Not part of ``make test``: it takes tens
of minutes (see docs/benchmarks.md for a measured run).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"

# group: (files to mutate, tests that guard them)
GROUPS: dict[str, tuple[list[str], list[str]]] = {
    "dues": (["app/dues/*"], ["tests/dues"]),
    "payments": (
        ["app/payments/services.py", "app/payments/idempotency.py", "app/payments/receipts.py"],
        # The pages and closing tests also pay, but only as setup: left out to keep a surviving
        # mutant's run short. The print tests stay: receipts.py records the prints.
        [
            "tests/payments/test_payments_api.py",
            "tests/payments/test_payments_integrity.py",
            "tests/payments/test_payments_concurrency.py",
            "tests/payments/test_payments_receipts.py",
            "tests/payments/test_payments_voids.py",
            "tests/payments/test_payments_idempotency.py",
            "tests/payments/test_receipt_prints.py",
        ],
    ),
    # The kernel is called by every database test: its own tests, and the API payments for the
    # token door and the audit log.
    # tests/tenants/test_isolation.py and test_orm_scope.py also run on SQLite (the `backend`
    # fixture); after that switch a second pytest session in the same process (how mutmut runs
    # each mutant) reaches the first session's dropped database, so they are left out here.
    "tenants": (
        ["tenants/*"],
        [
            "tests/tenants/test_door.py",
            "tests/tenants/test_rls.py",
            "tests/tenants/test_pool.py",
            "tests/payments/test_payments_api.py",
        ],
    ),
}


def _run_group(group: str, patterns: list[str], max_children: int) -> None:
    """In this process: point mutmut's configuration at the group, then run it."""
    from mutmut import __main__ as mutmut_main
    from mutmut import configuration

    files, tests = GROUPS[group]
    configuration._config = dataclasses.replace(
        configuration.config(), only_mutate=files, pytest_add_cli_args_test_selection=tests
    )
    mutmut_main._run(tuple(patterns), max_children)


def _results() -> dict[str, tuple[int | None, str]]:
    """Exit code and source path per mutant, as mutmut stored them in mutants/**/*.meta."""
    found: dict[str, tuple[int | None, str]] = {}
    base = ROOT / "mutants"
    for meta in base.rglob("*.py.meta"):
        source = str(meta.relative_to(base))[: -len(".meta")]
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            found[name] = (code, source)
    return found


def _report(group: str, patterns: list[str], seconds: float) -> str:
    import fnmatch

    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.stats import status_by_exit_code

    found = _results()
    if patterns:
        found = {k: v for k, v in found.items() if any(fnmatch.fnmatch(k, p) for p in patterns)}
    status = {name: status_by_exit_code[code] for name, (code, _src) in found.items()}
    counts = Counter(status.values())
    tested = counts["killed"] + counts["survived"] + counts["timeout"]
    survivors = sorted(name for name, st in status.items() if st == "survived")
    lines = [
        f"group {group}: {len(found)} mutants in {seconds / 60:.1f} min"
        + (f" (patterns: {' '.join(patterns)})" if patterns else ""),
        "  " + ", ".join(f"{st} {n}" for st, n in sorted(counts.items())),
        f"  survival rate {counts['survived'] / tested:.1%} of {tested} tested"
        if tested
        else "  nothing tested",
        "",
    ]
    for name in survivors:
        diff = get_diff_for_mutant(name, path=found[name][1]).splitlines()
        changed = [
            ln for ln in diff if ln.startswith(("-", "+")) and not ln.startswith(("---", "+++"))
        ]
        lines += [name, *("    " + ln for ln in changed), ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("group", nargs="?", choices=sorted(GROUPS))
    parser.add_argument("patterns", nargs="*", help="mutant name patterns, e.g. 'app.dues.rules.*'")
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_process:
        _run_group(args.group, args.patterns, args.max_children)
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    summaries = []
    for group in [args.group] if args.group else list(GROUPS):
        shutil.rmtree(ROOT / "mutants", ignore_errors=True)
        start = time.monotonic()
        command = [sys.executable, __file__, group, *args.patterns, "--in-process",
                   "--max-children", str(args.max_children)]
        code = subprocess.run(command, cwd=ROOT, check=False).returncode
        if code != 0:
            print(f"mutmut failed for {group} (exit {code})", file=sys.stderr)
            return code
        report = _report(group, args.patterns, time.monotonic() - start)
        (OUT / f"mutation-{group}.txt").write_text(report + "\n")
        summaries.append("\n".join(report.splitlines()[:3]))
    print("\n".join(summaries))
    print(f"survivors and their diffs: {OUT}/mutation-<group>.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
