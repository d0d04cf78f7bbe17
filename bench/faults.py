"""`make bench`'s fault phase: one gunicorn worker killed (kill -9) under the home page load.

The concurrency run's two wrk processes (a returning visitor, new visitors without a
cookie) load the home page; a third of the way in, one worker is killed. gunicorn must
start a new one, no response may be a 5xx (or any non-2xx), and the connections the killed
worker held show up as resets (wrk's read and write errors), counted apart from the other
socket errors. Every 2xx answered to a cookie-less visitor created a session row, so the
rows created must be at least the 2xx wrk counted (nothing acknowledged is lost); the few
more are requests committed but never answered (killed in flight, or still in flight when
wrk stopped).

Run alone, without the rest of `make bench`: `BENCH_PHASE=faults make bench` (it updates
only its section of docs/benchmarks.md).
"""

import os
import re
import signal
import sqlite3
import time
from pathlib import Path

KILL_AFTER = 10  # seconds into the 30-second run
SECTION_TITLE = "## Fault: a worker killed under load"


def session_rows(database):
    with sqlite3.connect(database, timeout=60) as db:
        return db.execute("SELECT COUNT(*) FROM django_session").fetchone()[0]


def workers(master_pid):
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    return {int(pid) for pid in children.read_text().split()}


def kill_one_worker(master_pid, expected):
    """kill -9 one worker; the seconds until gunicorn has `expected` workers again."""
    before = workers(master_pid)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    killed_at = time.monotonic()
    while time.monotonic() - killed_at < 30:
        now = workers(master_pid)
        if victim not in now and len(now) >= expected:
            return victim, time.monotonic() - killed_at
        time.sleep(0.05)
    return victim, None


def run_fault_phase(bench, env, database, flags, duration, connections, workers_count):
    """Returns the figures of the fault phase; `bench` is bench/run.py (its Server and wrk)."""
    bench.log(f"fault phase: kill -9 one of {workers_count} workers {KILL_AFTER}s into the run")
    load = os.getloadavg()[0]
    with bench.Server(
        "locallibrary.wsgi", bench.SITE_PORT, env, flags, "/tmp/bench-faults.log"
    ) as server:
        cookie = bench.session_cookie(bench.SITE_PORT)
        rows_before = session_rows(database)
        runs = {
            name: bench.wrk(bench.SITE_PORT, "/catalog/", cookie_sent, duration, connections)
            for name, cookie_sent in (("with cookie", cookie), ("without cookie", None))
        }
        time.sleep(KILL_AFTER)
        victim, replaced_after = kill_one_worker(server.process.pid, workers_count)
        results = {name: bench.wrk_result(process) for name, process in runs.items()}
        time.sleep(2)  # requests still in flight when wrk stopped finish and commit
        rows_created = session_rows(database) - rows_before
        after = bench.get("/catalog/", bench.SITE_PORT).status
        expected = re.compile(rf"Worker \(pid:{victim}\) was sent SIGKILL")
        problems = [line for line in server.log_problems() if not expected.search(line)]
    new_visitors = results["without cookie"]
    answered = new_visitors["requests"] - new_visitors["non2xx"]
    resets = sum(r["read_errors"] + r["write_errors"] for r in results.values())
    other_errors = sum(r["connect_errors"] + r["timeouts"] for r in results.values())
    non2xx = sum(r["non2xx"] for r in results.values())
    fault = {
        "runs": results,
        "killed_pid": victim,
        "replaced_after_s": replaced_after,
        "status_after": after,
        "new_visitor_2xx": answered,
        "session_rows_created": rows_created,
        "resets": resets,
        "other_errors": other_errors,
        "non2xx": non2xx,
        "in_flight_bound": 2 * connections,
        "log_problems": problems,
        "load_average": load,
        "cores": os.cpu_count(),
    }
    fault["passed"] = (
        replaced_after is not None
        and after == 200
        and non2xx == 0
        and other_errors == 0
        and not problems
        and 0 <= rows_created - answered <= resets + connections
    )
    bench.log(
        f"  worker {victim} killed, replaced after "
        f"{replaced_after if replaced_after is None else round(replaced_after, 2)}s; "
        f"non-2xx {non2xx}, resets {resets}, other socket errors {other_errors}; "
        f"session rows {rows_created} for {answered} 2xx to new visitors: "
        + ("PASSED" if fault["passed"] else "FAILED")
    )
    return fault


def fault_section(fault, flags_text):
    """The report's section on the fault phase, as markdown lines."""
    replaced = fault["replaced_after_s"]
    lines = [
        SECTION_TITLE,
        "",
        f"The concurrency run again (gunicorn `{flags_text['gunicorn']}`, two "
        f"`{flags_text['wrk']}` at once), and {KILL_AFTER} s in, `kill -9` of one worker "
        f"(pid {fault['killed_pid']}). gunicorn started a new one after "
        + (f"**{replaced:.2f} s**." if replaced is not None else "**never** (within 30 s).")
        + " Resets are the connections the killed worker held (wrk's read and write errors); "
        "other socket errors are refused connections and timeouts. The machine's load "
        f"average was {fault.get('load_average', 0):.1f} on {fault.get('cores', '?')} cores "
        "when the phase began: requests/s here say how busy it was, not how fast the site is.",
        "",
        "| visitors | requests | requests/s | p99 ms | non-2xx | resets | other socket errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, result in fault["runs"].items():
        lines.append(
            f"| {name} | {result['requests']:,} | {result['rps']:,.0f} | "
            f"{result['p99_ms']:.1f} | {result['non2xx']} | "
            f"{result['read_errors'] + result['write_errors']} | "
            f"{result['connect_errors'] + result['timeouts']} |"
        )
    extra = fault["session_rows_created"] - fault["new_visitor_2xx"]
    lines += [
        "",
        f"- Session rows created: **{fault['session_rows_created']:,}** for "
        f"**{fault['new_visitor_2xx']:,}** 2xx answers to new visitors: every acknowledged "
        f"visit is in the database; {extra} more were committed but never answered (requests "
        f"the killed worker was finishing, or still in flight when wrk stopped; at most the "
        f"{fault['resets']} resets + {fault['in_flight_bound'] // 2} connections).",
        f"- The home page after the run: {fault['status_after']}. "
        f"Other errors in the gunicorn log: **{len(fault['log_problems'])}**.",
        *[f"    {line}" for line in fault["log_problems"][:10]],
        "",
        "Result: **" + ("passed" if fault["passed"] else "FAILED") + "** "
        "(a new worker, no non-2xx, no other socket error, no unexpected log line, "
        "no acknowledged visit missing). Run this phase alone with "
        "`BENCH_PHASE=faults make bench`.",
        "",
    ]
    return lines


def replace_section(report_path, lines):
    """Put the fault section in docs/benchmarks.md in place of the old one (before Targets)."""
    text = report_path.read_text() if report_path.exists() else "# Benchmarks\n"
    section = "\n".join(lines)
    pattern = re.compile(rf"^{re.escape(SECTION_TITLE)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    elif "\n## Targets" in text:
        text = text.replace("\n## Targets", "\n" + section + "\n## Targets", 1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    report_path.write_text(text)
