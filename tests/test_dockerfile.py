"""Docker cannot run here: check what can be checked without it, by running the HEALTHCHECK command itself."""

import asyncio
import json
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from aiohttp import web

from tests.botprocess import TOKEN

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def healthcheck_command():
    """The exec-form CMD of the Dockerfile's HEALTHCHECK, as a list."""
    match = re.search(r"^HEALTHCHECK .*?CMD (\[.*\])$", DOCKERFILE.replace("\\\n", " "), re.MULTILINE)
    assert match, "the Dockerfile needs a HEALTHCHECK ... CMD [...] in exec form"
    command = json.loads(match.group(1))
    assert command[0] == "python"
    return [sys.executable, *command[1:]]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def run_check(env):
    proc = await asyncio.create_subprocess_exec(
        *healthcheck_command(),
        env={"PATH": "/usr/bin:/bin", **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 20)
    return proc.returncode, out.decode() + err.decode()


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False)])
async def test_healthcheck_follows_healthz(status, healthy):
    async def healthz(request):
        return web.json_response({"status": "ok" if status == 200 else "failing"}, status=status)

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        code, output = await run_check({"HTTP_PORT": str(port), "HTTP_HOST": "0.0.0.0"})
    finally:
        await runner.cleanup()
    assert (code == 0) is healthy, output


async def test_healthcheck_fails_when_nothing_answers():
    code, _ = await run_check({"HTTP_PORT": str(free_port())})
    assert code != 0


async def test_healthcheck_without_http_only_says_the_container_runs():
    code, _ = await run_check({"HTTP_PORT": ""})
    assert code == 0


def test_image_enables_http_for_its_healthcheck():
    assert re.search(r"^ENV HTTP_PORT=\d+$", DOCKERFILE, re.MULTILINE)
    assert "HTTP_HOST" not in re.findall(r"^ENV .*$", DOCKERFILE, re.MULTILINE)[-1]  # loopback by default


def test_compose_example_has_volume_env_file_and_restart_policy():
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    for line in ("restart: unless-stopped", "env_file: .env", "- podium-data:/data", "  podium-data:"):
        assert line in compose, line


def compose_service():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]["podium"]


def megabytes(size):
    number, unit = re.fullmatch(r"(\d+)([kmg])b?", str(size).lower()).groups()
    return int(number) * {"k": 1 / 1024, "m": 1, "g": 1024}[unit]


def test_compose_runs_the_container_locked_down():
    service = compose_service()
    assert service["read_only"] is True
    assert [entry.split(":")[0] for entry in service["tmpfs"]] == ["/tmp"]
    assert service["cap_drop"] == ["ALL"]
    assert "cap_add" not in service
    assert not service.get("privileged", False)
    assert "no-new-privileges:true" in service["security_opt"]
    # The bot's RSS is ~65 MB: the limit must leave it room, and still be a limit.
    assert 128 <= megabytes(service["mem_limit"]) <= 1024
    assert 50 <= service["pids_limit"] <= 1000
    # The only writable place is the database volume.
    assert service["volumes"] == ["podium-data:/data"]
    assert service["environment"]["DATABASE_PATH"].startswith("/data/")


def test_image_writes_no_bytecode_and_runs_unprivileged():
    env = " ".join(re.findall(r"^ENV .*?(?<!\\)$", DOCKERFILE.replace("\\\n", " "), re.MULTILINE | re.DOTALL))
    assert "PYTHONDONTWRITEBYTECODE=1" in env
    assert "DATABASE_PATH=/data/" in env
    assert re.findall(r"^USER (\S+)$", DOCKERFILE, re.MULTILINE) == ["10001"]
    assert re.findall(r"^VOLUME (\S+)$", DOCKERFILE, re.MULTILINE) == ["/data"]


def copy_the_image_files(app):
    """The files the Dockerfile COPYs into /app, copied to `app` the same way."""
    for line in re.findall(r"^COPY (.+)$", DOCKERFILE, re.MULTILINE):
        *sources, dest = line.split()
        for source in sources:
            target = app / dest if dest not in ("./", ".") else app
            if (ROOT / source).is_dir():
                shutil.copytree(ROOT / source, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / source, target / Path(source).name)


def snapshot(folder):
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")}


def test_the_app_writes_nothing_outside_the_database_folder(tmp_path):
    """What `read_only: true` relies on, checked without Docker: `bot.py --check` from a copy of /app."""
    app, data, scratch = tmp_path / "app", tmp_path / "data", tmp_path / "tmp"
    copy_the_image_files(app)
    scratch.mkdir()
    before = snapshot(app)
    [command] = re.findall(r"^CMD (\[.*\])$", DOCKERFILE, re.MULTILINE)
    program, *args = json.loads(command)
    assert program == "python"
    result = subprocess.run(
        [sys.executable, *args, "--check"],  # as the image runs it: in WORKDIR /app, the CMD
        cwd=app,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONDONTWRITEBYTECODE": "1",
            "TMPDIR": str(scratch),
            "HOME": str(tmp_path / "no-home"),
            "DATABASE_PATH": str(data / "podium.db"),
            "DISCORD_TOKEN": TOKEN,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert snapshot(app) == before
    assert not (tmp_path / "no-home").exists()
    # The database, and the forgotten-members key kept beside it (README, Privacy), both in the data volume.
    assert sorted(p.name for p in data.iterdir()) == ["podium.db", "podium.db.forget-key"]
