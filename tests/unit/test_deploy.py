"""The deploy files are checked by the tools that will read them (issue 20): systemd's own verifier for the
units, Debian's nginx for the site. A warning counts as a failure: systemd ignores a directive it cannot parse
(a hardening line that silently does nothing) and says so only on standard error."""

from __future__ import annotations

import marshal
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import CodeType

import pytest

from tests.certificates import self_signed

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = ("linli-web.service", "linli-worker.service", "linli-backup.service", "linli-backup.timer")
VENV = Path(sys.executable).parent.parent

needs = {
    "systemd-analyze": shutil.which("systemd-analyze"),
    "nginx": shutil.which("nginx") or (Path("/usr/sbin/nginx").exists() and "/usr/sbin/nginx"),
}


def _tool(name: str) -> str:
    found = needs[name]
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is missing: .ci/run installs it")
        pytest.skip(f"{name} is not installed here")
    return str(found)


def _local(text: str, tmp: Path) -> str:
    """The files name the installed paths (/opt/linli/…); here they point at this checkout and its venv."""
    return (
        text.replace("/opt/linli/venv", str(VENV))
        .replace("/opt/linli/src", str(ROOT))
        .replace("/etc/linli.env", str(tmp / "linli.env"))
        .replace("/etc/nginx/linli_proxy_params", str(tmp / "linli_proxy_params"))
        .replace("/etc/ssl/linli", str(tmp))
    )


def test_systemd_units_verify_without_a_warning(tmp_path: Path) -> None:
    tool = _tool("systemd-analyze")
    (tmp_path / "linli.env").write_text("LINLI_INSTANCE_PATH=/var/lib/linli\n")
    for name in UNITS:
        (tmp_path / name).write_text(_local((DEPLOY / "systemd" / name).read_text(), tmp_path))
    done = subprocess.run(
        [tool, "verify", *(f"./{name}" for name in UNITS)], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "", done.stderr
    web = (DEPLOY / "systemd" / "linli-web.service").read_text()
    for hardening in (
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "User=linli",
        "ReadWritePaths=/var/lib/linli",
    ):
        assert hardening in web


def test_systemd_verify_catches_a_hardening_line_it_cannot_read(tmp_path: Path) -> None:
    """The check above can fail: a misspelt value is reported."""
    tool = _tool("systemd-analyze")
    (tmp_path / "linli.env").write_text("")
    unit = _local((DEPLOY / "systemd" / "linli-web.service").read_text(), tmp_path)
    (tmp_path / "linli-web.service").write_text(
        unit.replace("ProtectSystem=strict", "ProtectSystem=sometimes")
    )
    done = subprocess.run(
        [tool, "verify", "./linli-web.service"], cwd=tmp_path, capture_output=True, text=True
    )
    assert "ProtectSystem" in done.stderr or "protect system" in done.stderr


def _nginx_test(tmp: Path, site: str) -> subprocess.CompletedProcess[str]:
    tool = _tool("nginx")
    self_signed(tmp, "linli.example.org", "fullchain.pem", "privkey.pem")
    (tmp / "linli_proxy_params").write_text((DEPLOY / "nginx" / "linli_proxy_params").read_text())
    (tmp / "linli.conf").write_text(_local(site, tmp))
    (tmp / "nginx.conf").write_text(
        f"""pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{}}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/linli.conf;
}}
"""
    )
    return subprocess.run(
        [tool, "-t", "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "error.log")],
        capture_output=True,
        text=True,
    )


def test_the_nginx_site_passes_nginx_t(tmp_path: Path) -> None:
    site = (DEPLOY / "nginx" / "linli.conf").read_text()
    done = _nginx_test(tmp_path, site)
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr
    assert "[warn]" not in done.stderr, done.stderr
    # What Linli expects from its proxy (README: LINLI_PROXY_HOPS=1) and what residents' phones need.
    params = (DEPLOY / "nginx" / "linli_proxy_params").read_text()
    assert "X-Forwarded-For $remote_addr" in params
    assert "X-Forwarded-Proto $scheme" in params
    assert "limit_req zone=linli_auth" in site
    assert "non_idempotent" not in params  # a POST is never sent twice to two app servers


def test_nginx_t_catches_a_broken_site(tmp_path: Path) -> None:
    site = (
        (DEPLOY / "nginx" / "linli.conf")
        .read_text()
        .replace("limit_req_status 429;", "limit_req_status 4299;")
    )
    done = _nginx_test(tmp_path, site)
    assert done.returncode != 0


def test_the_procfile_runs_the_same_processes_as_the_units() -> None:
    procfile = (DEPLOY / "Procfile").read_text()
    worker_unit = (DEPLOY / "systemd" / "linli-worker.service").read_text()
    web_unit = (DEPLOY / "systemd" / "linli-web.service").read_text()
    lines = dict(line.split(": ", 1) for line in procfile.splitlines() if line and not line.startswith("#"))
    assert set(lines) == {"web", "worker"}
    assert lines["worker"].strip() in worker_unit
    assert "deploy/gunicorn.conf.py wsgi:app" in lines["web"]
    assert "deploy/gunicorn.conf.py wsgi:app" in web_unit


def test_the_web_service_runs_without_docstrings_and_its_bytecode_is_compiled_for_it() -> None:
    """The web server runs under PYTHONOPTIMIZE=2 (about 5 MiB less a worker; tests/web/test_startup.py checks
    the app under it). The service may not write its folders, so the install and upgrade steps compile that
    bytecode (deploy/compile-bytecode): without it every worker would compile every library at start."""
    web_unit = (DEPLOY / "systemd" / "linli-web.service").read_text()
    procfile = (DEPLOY / "Procfile").read_text()
    assert "\nEnvironment=PYTHONOPTIMIZE=2\nEnvironment=PYTHONNODEBUGRANGES=1\n" in web_unit
    assert "PYTHONOPTIMIZE" not in (DEPLOY / "systemd" / "linli-worker.service").read_text()
    assert "web: PYTHONOPTIMIZE=2 PYTHONNODEBUGRANGES=1 gunicorn " in procfile
    for doc in ("deployment.md", "upgrading.md"):
        text = (ROOT / "docs" / doc).read_text()
        assert "deploy/compile-bytecode" in text, doc
        assert "-m compileall" not in text, doc  # one way to do it: the script


def test_compile_bytecode_compiles_app_venv_and_pythons_library_for_OO(tmp_path: Path) -> None:
    """What the service imports gets both kinds of bytecode; Python's test suites, which hold files that do not
    compile on purpose, are left out rather than failing the install."""
    src, venv, stdlib = tmp_path / "src", tmp_path / "venv", tmp_path / "stdlib"
    for folder in (
        src / "webapp",
        src / "kiosk",
        venv / "bin",
        venv / "lib" / "site-packages",
        stdlib / "test",
    ):
        folder.mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    for module in (
        src / "webapp" / "a.py",
        src / "kiosk" / "b.py",
        src / "wsgi.py",
        venv / "lib" / "site-packages" / "c.py",
        stdlib / "d.py",
    ):
        module.write_text('"""doc"""\nanswer = len("forty") + 37\n')
    (stdlib / "test" / "broken.py").write_text("def (:\n")
    # As an earlier version of the script left it: the service's bytecode with column positions.
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-o", "2", src / "webapp"], check=True)
    done = subprocess.run(
        [DEPLOY / "compile-bytecode", venv, src, stdlib], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    compiled = {path.name for path in tmp_path.rglob("*.pyc")}
    for name in ("a", "b", "wsgi", "c", "d"):
        tag = sys.implementation.cache_tag
        assert {f"{name}.{tag}.pyc", f"{name}.{tag}.opt-2.pyc"} <= compiled, name
    assert not [name for name in compiled if name.startswith("broken")]
    # The service's bytecode has no column positions (PYTHONNODEBUGRANGES=1); the commands' keeps them.
    for suffix, columns in ((".pyc", True), (".opt-2.pyc", False)):
        code = code_of(src / "webapp" / "__pycache__" / f"a.{sys.implementation.cache_tag}{suffix}")
        assert any(column is not None for *_lines, column, _end in code.co_positions()) is columns, suffix
    assert (venv / ".linli-bytecode-without-columns").exists()  # the next runs compile only what changed


def code_of(pyc: Path) -> CodeType:
    return marshal.loads(pyc.read_bytes()[16:])  # noqa: S302 (our own file, just written)
