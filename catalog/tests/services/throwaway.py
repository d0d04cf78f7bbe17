"""Redis and PostgreSQL servers of a test's own, on free loopback ports, to stop and start.

The services run's servers (scripts/with-services.sh) stay up for every other test; a fault
test breaks only these. Same programs and options as scripts/with-services.sh.
"""

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from ..servers import free_port

WAIT = 30  # seconds a server may take to start or stop on a loaded machine


def _until(check, what):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} within {WAIT}s")


class RedisServer:
    """redis-server in a folder of its own; its data survives a stop when asked to."""

    def __init__(self, folder):
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def cli(self, *args, check=True):
        return subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "-p", str(self.port), *args],
            capture_output=True,
            text=True,
            timeout=WAIT,
            check=check,
        ).stdout.strip()

    def answers(self):
        return self.cli("ping", check=False) == "PONG"

    def start(self):
        """Start, reading back the data a stop with `keep_data` wrote."""
        subprocess.run(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
                "--daemonize",
                "yes",
                "--pidfile",
                str(self.folder / "redis.pid"),
                "--logfile",
                str(self.folder / "redis.log"),
            ],
            check=True,
            timeout=WAIT,
        )
        _until(self.answers, "Redis did not answer")

    def stop(self, keep_data=False):
        self.cli("shutdown", "save" if keep_data else "nosave", check=False)
        _until(lambda: not self.answers(), "Redis did not stop")

    def pause(self, milliseconds):
        """Every client's commands wait (Debian's Redis refuses DEBUG SLEEP); data is kept."""
        assert self.cli("client", "pause", str(milliseconds), "ALL") == "OK"


class PostgresServer:
    """A throwaway PostgreSQL cluster (initdb), run as `postgres` when the tests run as root."""

    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        assert bins, "PostgreSQL is not installed: run `make deps`"
        self.bin = bins[-1]
        # Not under pytest's tmp_path: its parent folders are closed to the `postgres` user.
        self.folder = Path(tempfile.mkdtemp(prefix="locallibrary-faults-"))
        self.data = self.folder / "postgres"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/locallibrary"
        self.as_postgres = []
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            self.as_postgres = ["runuser", "-u", "postgres", "--"]
        self._run(
            "initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip

    def _run(self, program, *args, check=True):
        return subprocess.run(
            [*self.as_postgres, f"{self.bin}/{program}", *map(str, args)],
            capture_output=True,
            text=True,
            timeout=120,
            check=check,
        )

    def start(self):
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl",
            "-D",
            self.data,
            "-l",
            self.folder / "postgres.log",
            "-w",
            "-o",
            options,
            "start",
        )

    def create_database(self):
        self._run("createdb", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", "locallibrary")

    def stop(self):
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop", check=False)

    def remove(self):
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
