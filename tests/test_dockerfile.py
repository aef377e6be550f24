"""Docker cannot run here: check what can be checked without it, by running the HEALTHCHECK command itself."""

import asyncio
import json
import re
import socket
import sys
from pathlib import Path

import pytest
from aiohttp import web

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
