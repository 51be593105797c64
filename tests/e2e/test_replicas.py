"""Two app replicas behind the real HAProxy, on loopback, driven by a real browser.

The proxy runs deploy/haproxy/haproxy.cfg itself, with only its addresses rewritten for
loopback (compose's `appN:8501` -> 127.0.0.1:<free port>, the docker DNS resolver dropped).
What the multi-server deployment relies on, checked end to end:
  (a) a session sticks to its replica: the page, its websocket and every request carry the
      proxy's cookie and come back from the same server, and a page interaction works;
  (b) two browsers can land on different replicas;
  (c) a CSV upload (/_stcore/upload_file) reaches the replica that holds the session;
  (d) when that replica is stopped mid-session, reloading the page's URL brings the same page,
      with the same control values, back from the other replica.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.browser import CHROMIUM, free_port, wait_ready

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
HAPROXY_CFG = ROOT / "deploy" / "haproxy" / "haproxy.cfg"
HAPROXY = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
COOKIE = "KFLSERVER"
HEADER = "x-kfl-replica"
P = "build_and_train"

if HAPROXY is None:
    pytest.skip("haproxy not installed (make system-deps installs it: apt-get install haproxy)",
                allow_module_level=True)
if not Path(CHROMIUM).exists():
    pytest.skip("chromium not installed (make system-deps installs it)", allow_module_level=True)
pytest.importorskip("playwright.sync_api")


def _en(name: str) -> dict:
    """English UI strings straight from content/ (no app import: the test only drives the page)."""
    return tomllib.loads((ROOT / "content" / "en" / f"{name}.toml").read_text())


def _wait_http(url: str, timeout: float = 90, proc=None) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: process exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {timeout} s")


def _stop(proc: subprocess.Popen) -> None:
    """Stop a process we started and its children (the replica's Keras workers)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    try:  # workers left behind by a replica that died first
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def loopback_config(text: str, proxy_port: int, ports: dict[str, int]) -> str:
    """deploy/haproxy/haproxy.cfg with compose's addresses replaced by loopback ones."""
    out, n_bind = re.subn(r"(?m)^(\s*bind\s+)\S*:8080\b", rf"\g<1>127.0.0.1:{proxy_port}", text)
    assert n_bind == 1, "the config's frontend should bind :8080 once"
    out = re.sub(r"(?m)^resolvers docker\n(?:[ \t]+.*\n)*", "", out)  # no docker DNS here
    out = out.replace(" resolvers docker", "")
    for name, port in ports.items():
        out, n = re.subn(rf"(?m)^(\s*server\s+{name}\s+){name}:8501\b", rf"\g<1>127.0.0.1:{port}", out)
        assert n == 1, f"server {name} not found in the config"
    assert "resolvers" not in out and "app1:" not in out
    return out


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """{"url": proxy url, "replicas": {name: Popen}, "ports": {name: port}}; everything stopped after."""
    tmp = tmp_path_factory.mktemp("replicas")
    names = ["app1", "app2"]
    ports = {n: free_port() for n in names}
    procs: dict[str, subprocess.Popen] = {}
    started: list[subprocess.Popen] = []
    try:
        for n in names:
            log = open(tmp / f"{n}.log", "wb")
            p = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(ports[n]),
                 "--server.headless", "true", "--server.address", "127.0.0.1"],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                env={**os.environ, "KFL_WORKERS": "1", "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_LAB_OFFLINE": "1"},
            )
            procs[n] = p
            started.append(p)
        proxy_port = free_port()
        cfg = tmp / "haproxy.cfg"
        cfg.write_text(loopback_config(HAPROXY_CFG.read_text(), proxy_port, ports))
        check = subprocess.run([HAPROXY, "-c", "-q", "-f", str(cfg)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        for n in names:
            _wait_http(f"http://127.0.0.1:{ports[n]}/_stcore/health", proc=procs[n])
        proxy = subprocess.Popen([HAPROXY, "-db", "-f", str(cfg)], stdout=open(tmp / "haproxy.log", "wb"),
                                 stderr=subprocess.STDOUT, start_new_session=True)
        started.append(proxy)
        url = f"http://127.0.0.1:{proxy_port}"
        _wait_http(f"{url}/_stcore/health", proc=proxy)
        time.sleep(2.5)  # both servers past `rise 2` of the proxy's health checks
        yield {"url": url, "replicas": procs, "ports": ports, "logs": tmp}
    finally:
        for p in started:
            _stop(p)


class Visit:
    """A browser context on the proxy, recording which replica answered each request."""

    def __init__(self, browser, base: str):
        self.base = base
        self.ctx = browser.new_context(viewport={"width": 1400, "height": 1400})
        self.page = self.ctx.new_page()
        self.answers: list[tuple[str, str | None]] = []
        self.sockets: list[str] = []
        self.page.on("response", lambda r: self.answers.append((r.url, r.headers.get(HEADER))))
        self.page.on("websocket", lambda ws: self.sockets.append(ws.url))

    def open(self, path: str):
        resp = self.page.goto(f"{self.base}{path}")
        wait_ready(self.page)
        assert self.page.locator('[data-testid="stException"]').count() == 0
        return resp

    def cookie(self) -> str | None:
        return next((c["value"] for c in self.ctx.cookies() if c["name"] == COOKIE), None)

    def replicas_seen(self, since: int = 0, server_only: bool = False) -> set[str | None]:
        """Replica headers of the answers since `since`. server_only: only Streamlit's /_stcore/
        endpoints, never cached; its static files and favicon are, and after a failover the
        browser reuses them with the header of their first fetch."""
        return {r for u, r in self.answers[since:]
                if u.startswith(self.base) and (not server_only or "/_stcore/" in u)}

    def close(self):
        self.ctx.close()


def _metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def _raw_upgrade(base: str, cookie: str | None) -> tuple[str, dict]:
    """A websocket handshake on /_stcore/stream through the proxy: status line and headers."""
    host, port = base.removeprefix("http://").split(":")
    req = ("GET /_stcore/stream HTTP/1.1\r\n"
           f"Host: {host}:{port}\r\n"
           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
           "Sec-WebSocket-Protocol: streamlit\r\n"
           + (f"Cookie: {COOKIE}={cookie}\r\n" if cookie else "") + "\r\n")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(req.encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    head = data.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    headers = {}
    for line in head[1:]:
        k, _, v = line.partition(":")
        headers.setdefault(k.strip().lower(), []).append(v.strip())
    return head[0], headers


def test_replicas_behind_the_sticky_proxy(cluster, browser, tmp_path):
    base = cluster["url"]
    ui, common = _en(P), _en("common")
    units_label = ui["units_label"].format(n=1)

    # (a) One session: cookie, websocket and every answer from one replica; an interaction works.
    a = Visit(browser, base)
    resp = a.open(f"/{P}?lang=en")
    first = resp.headers.get(HEADER)
    assert first in cluster["replicas"], f"no replica header on the page: {resp.headers}"
    assert a.cookie() == first, "the proxy's cookie names the replica that answered"
    assert a.sockets and all(u.startswith(base.replace("http", "ws") + "/_stcore/stream") for u in a.sockets)
    field = a.page.get_by_label(units_label)
    field.fill("32")
    field.press("Enter")
    wait_ready(a.page)
    a.page.wait_for_function("() => location.search.includes('units_0=32')", timeout=30_000)
    assert _metric(a.page, common["total_params"]) == "665"  # 1x32+32 + 32x16+16 + 68 + 5: a rerun over the socket
    assert a.replicas_seen() == {first}, "every request of this browser went to its replica"
    # The websocket handshake itself follows the cookie, for either replica, and sets no new one.
    for name in cluster["replicas"]:
        status, headers = _raw_upgrade(base, name)
        assert status.startswith("HTTP/1.1 101"), status
        assert headers.get(HEADER) == [name] and "set-cookie" not in headers
    status, headers = _raw_upgrade(base, None)  # no cookie yet: the proxy picks one and says so
    assert status.startswith("HTTP/1.1 101") and any(c.startswith(f"{COOKIE}=") for c in headers["set-cookie"])

    # (b) Other browsers: round robin puts a new one on the other replica.
    others, where = [], {first}
    for _ in range(3):
        b = Visit(browser, base)
        others.append(b)
        b.open("/?lang=en")
        where.add(b.cookie())
        assert b.replicas_seen() == {b.cookie()}
        if len(where) == 2:
            break
    assert where == set(cluster["replicas"]), f"new browsers all landed on {where}"
    for b in others:
        b.close()

    # (c) An upload reaches the session's replica (Streamlit keeps the file in that server's memory).
    csv = tmp_path / "tiny.csv"
    csv.write_text("x1,x2,y\n" + "".join(f"{i % 7},{(i * 3) % 5},{(i % 7) + (i * 3) % 5}\n" for i in range(40)))
    mark = len(a.answers)
    a.open(f"/{P}?lang=en&{P}_dataset=my_csv&{P}_units_0=32&{P}_epochs=5")
    with a.page.expect_response(lambda r: "/_stcore/upload_file/" in r.url, timeout=60_000) as up:
        a.page.locator('input[type="file"]').set_input_files(str(csv))
    assert up.value.ok and up.value.headers.get(HEADER) == first, (up.value.status, up.value.headers)
    # The page read the file: "`tiny.csv`: 40 rows, 3 columns." (content/en/build_and_train.toml).
    summary = ui["file_summary"].format(name="tiny.csv", rows=40, cols=3).replace("`", "")
    a.page.get_by_text(summary).first.wait_for(timeout=60_000)
    wait_ready(a.page)
    assert a.page.locator('[data-testid="stException"]').count() == 0
    assert a.replicas_seen(mark) == {first}

    # (d) The replica dies mid-session: the same URL comes back from the other one, same controls.
    a.open(f"/{P}?lang=en&{P}_units_0=32&{P}_n_hidden=2")
    link = a.page.url
    assert f"{P}_units_0=32" in link
    assert _metric(a.page, common["total_params"]) != "233"
    before = _metric(a.page, common["total_params"])
    _stop(cluster["replicas"][first])
    survivor = next(n for n in cluster["replicas"] if n != first)
    mark = len(a.answers)
    resp = a.page.goto(link)
    wait_ready(a.page)
    assert resp.headers.get(HEADER) == survivor
    assert a.cookie() == survivor, "the proxy re-pinned the browser to the live replica"
    assert a.page.get_by_label(units_label).input_value() == "32"
    assert _metric(a.page, common["total_params"]) == before
    assert a.page.locator('[data-testid="stException"]').count() == 0
    assert a.replicas_seen(mark, server_only=True) == {survivor}
    a.close()
