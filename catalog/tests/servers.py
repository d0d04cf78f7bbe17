"""Real processes for the production tests: the Procfile's own commands, run as the PaaS would.

Each process gets an explicit environment (DEBUG off, every setting given), so neither the
test run's variables nor a developer's `.env` change what it does: the real environment
wins over `.env`, and every variable the site reads is set here.
"""

import http.cookiejar
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
# Bounds for waiting on a process: generous for a loaded 2-core machine, never endless.
START_TIMEOUT = 60
COMMAND_TIMEOUT = 120


def production_env(database_url, **overrides):
    """The environment of a production process: DEBUG off and every setting explicit."""
    env = {
        # The Procfile's `gunicorn` and `python` are the ones of this virtual environment.
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "LANG": "C.UTF-8",
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "",
        "DATABASE_URL": database_url,
        "DJANGO_SESSION_ENGINE": "db",
        "REDIS_URL": "",
        "DJANGO_TIME_ZONE": "UTC",
        "DJANGO_EMAIL_HOST": "",
        "DJANGO_DEFAULT_FROM_EMAIL": "LocalLibrary <library@localhost>",
        "WEB_CONCURRENCY": "2",
    }
    env.update(overrides)
    return env


def procfile_line(process):
    """The command line of one process type of the Procfile (`web`, `release`), as written."""
    for line in (PROJECT / "Procfile").read_text().splitlines():
        name, colon, command = line.partition(":")
        if colon and name.strip() == process:
            return command.strip()
    raise LookupError(f"The Procfile has no {process!r} process")


def procfile_command(process):
    """The arguments of a single-command Procfile process, to append options to."""
    return shlex.split(procfile_line(process))


def run(argv, env, check=True):
    """Run a command in the project as a production process would, and return its result."""
    result = subprocess.run(
        argv,
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{shlex.join(argv)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result


def manage(*args, env, check=True):
    return run([str(VENV_BIN / "python"), "manage.py", *args], env, check=check)


def collectstatic(env):
    """The build step: hashed, compressed copies of the static files in STATIC_ROOT."""
    manage("collectstatic", "--noinput", env=env)
    return PROJECT / "staticfiles"


def release(env):
    """The Procfile's `release:` process (migrations), as the PaaS runs it before a deploy."""
    return run(["/bin/sh", "-c", procfile_line("release")], env)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def web_server(env, log_dir):
    """The Procfile's `web:` process on a free loopback port; stopped when the block ends."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = Path(log_dir) / f"web-{port}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [*procfile_command("web"), "--bind", f"127.0.0.1:{port}"],
            cwd=PROJECT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_serving(process, base_url, log_path)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_serving(process, base_url, log_path):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited {process.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=5):
                return
        except urllib.error.HTTPError:
            return  # it answers (a 503 is an answer)
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"gunicorn did not answer in {START_TIMEOUT}s:\n{log_path.read_text()}")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


class Browser:
    """One client with one cookie jar, behind the PaaS router.

    The router terminates TLS and adds `X-Forwarded-Proto: https`; it talks plain HTTP to
    the app, so the jar sends `Secure` cookies over that hop too, as a browser does over
    HTTPS. Redirects are not followed: tests look at them.
    """

    def __init__(self, via_router=True):
        self.via_router = via_router
        policy = http.cookiejar.DefaultCookiePolicy(
            secure_protocols=("https", "http") if via_router else ("https",)
        )
        self.cookies = http.cookiejar.CookieJar(policy)
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects
        )

    def request(self, url, data=None, headers=None):
        headers = dict(headers or {})
        if self.via_router:
            headers.setdefault("X-Forwarded-Proto", "https")
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(url, data=body, headers=headers)
        try:
            with self._opener.open(req, timeout=30) as response:
                return Response(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            with error:
                return Response(error.code, error.headers, error.read())

    def get(self, url, headers=None):
        return self.request(url, headers=headers)

    def post(self, url, data, headers=None):
        return self.request(url, data=data, headers=headers)

    def cookie(self, name):
        return next((c for c in self.cookies if c.name == name), None)


def csrf_token(html):
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)
