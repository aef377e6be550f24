"""The real bot process: start, register commands, answer, stop, survive kill -9."""

import os
import sqlite3
import time
from pathlib import Path

import pytest

from tests.botprocess import ROOT, TOKEN, run_cli
from tests.fake_discord import EPHEMERAL_FLAG, GENERAL_CHANNEL_ID, GUILD_ID, MEMBER_ID, MODERATOR_ID
from tests.waiting import eventually

COMMANDS = {"schedule", "remind-me", "announce-settings", "opt-out", "help", "series"}
# Made up, in the shape of a real bot token (base64 application id . timestamp . HMAC), and a cron secret.
REAL_SHAPE = "MTE5ODc2NTQzMjEwOTg3NjU0Mw.GxY7Qz.kP3vN8wLmR2tYq9ZaB4cD6eF1gH0iJ5kLm7nOp"
CRON = "q7Zr2mVx9LkP4tNw8YbC3dHf_x"
MINE = [{"type": 1, "name": "mine", "options": []}]


def test_missing_token_is_one_clear_line_and_exit_2(tmp_path):
    result = run_cli(DATABASE_PATH=str(tmp_path / "x.db"))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "DISCORD_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr


def poison_the_tests_own_folder(tmp_path, monkeypatch):
    """Make a folder holding a `.env` that must never be read, and make it pytest's working directory."""
    folder = tmp_path / "tests-cwd"
    folder.mkdir()
    (folder / ".env").write_text(
        "DISCORD_TOKEN=poisoned.token.from-the-tests-own-folder\nGUILD_IDS=poisoned\n", encoding="utf-8"
    )
    monkeypatch.chdir(folder)


def test_cli_runs_never_read_the_tests_own_dotenv(tmp_path, monkeypatch):
    poison_the_tests_own_folder(tmp_path, monkeypatch)
    result = run_cli("--invite-url")
    assert result.returncode == 2
    assert "DISCORD_TOKEN is not set" in result.stderr
    result = run_cli("--check", DISCORD_TOKEN=TOKEN, DATABASE_PATH=str(tmp_path / "p.db"))
    assert result.returncode == 0, result.stderr


async def test_bot_processes_never_read_the_tests_own_dotenv(tmp_path, monkeypatch, fake, bot_factory):
    poison_the_tests_own_folder(tmp_path, monkeypatch)
    bot = bot_factory()
    await bot.start()  # GUILD_IDS=poisoned would have stopped it with exit code 2
    # Where the real process runs (Linux): neither in the checkout nor in pytest's working directory.
    cwd = Path(os.readlink(f"/proc/{bot.proc.pid}/cwd"))
    assert not cwd.is_relative_to(ROOT)
    assert cwd != Path.cwd()
    assert fake.global_commands
    assert await bot.stop() == 0


def test_dotenv_is_read_from_the_working_directory(tmp_path):
    folder = tmp_path / "run-here"
    folder.mkdir()
    (folder / ".env").write_text(f"DISCORD_TOKEN={TOKEN}\n", encoding="utf-8")
    result = run_cli("--invite-url", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "client_id=" in result.stdout


def assert_no_secret(text):
    for secret in (REAL_SHAPE, CRON, *REAL_SHAPE.split(".")):
        assert secret not in text


@pytest.mark.parametrize("args", [(), ("--check",), ("--invite-url",), ("--backup", "backups/")])
def test_a_malformed_dotenv_line_is_named_without_its_value(tmp_path, args):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / ".env").write_text(f"CRON_SECRET={CRON}\nDISCORD_TOKEN {REAL_SHAPE}\n", encoding="utf-8")
    result = run_cli(*args, cwd=folder, DATABASE_PATH=str(tmp_path / "p.db"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert ".env:2: DISCORD_TOKEN has no '='" in result.stderr
    assert_no_secret(result.stdout + result.stderr)


@pytest.mark.parametrize("where", ["environment", "dotenv"])
def test_errors_after_the_settings_are_read_are_redacted_too(tmp_path, where):
    # The token pasted into DATABASE_PATH, under a file: opening the database fails and names the path.
    (tmp_path / REAL_SHAPE).write_text("not a folder", encoding="utf-8")
    settings = {"DISCORD_TOKEN": REAL_SHAPE, "CRON_SECRET": CRON, "DATABASE_PATH": str(tmp_path / REAL_SHAPE / "p.db")}
    folder = tmp_path / "run"
    folder.mkdir()
    if where == "dotenv":
        (folder / ".env").write_text("".join(f"{k}={v}\n" for k, v in settings.items()), encoding="utf-8")
        settings = {}
    result = run_cli("--check", cwd=folder, **settings)
    assert result.returncode == 2
    assert "podium: database error: cannot open the database" in result.stderr
    assert "[redacted]" in result.stderr
    assert_no_secret(result.stdout + result.stderr)


@pytest.mark.parametrize(
    ("env_mode", "database_mode", "warned"),
    [(0o600, 0o600, []), (0o644, 0o600, [".env"]), (0o600, 0o664, ["p.db"]), (0o640, 0o604, [".env", "p.db"])],
)
def test_start_warns_about_files_other_users_may_read(tmp_path, env_mode, database_mode, warned):
    folder = tmp_path / "run"
    folder.mkdir()
    env_file = folder / ".env"
    env_file.write_text(f"DISCORD_TOKEN={TOKEN}\n", encoding="utf-8")
    env_file.chmod(env_mode)
    database = tmp_path / "p.db"
    assert run_cli("--check", cwd=folder, DATABASE_PATH=str(database)).returncode == 0
    database.chmod(database_mode)
    result = run_cli("--check", cwd=folder, DATABASE_PATH=str(database))
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if " WARNING " in line]
    assert len(warnings) == len(warned), result.stderr
    for line, name in zip(warnings, warned, strict=True):
        path = env_file if name == ".env" else database
        assert f"{path} holds " in line
        assert f"chmod 600 {path}" in line


def test_check_migrates_and_lists_commands_without_connecting(tmp_path):
    result = run_cli("--check", DISCORD_TOKEN=TOKEN, DATABASE_PATH=str(tmp_path / "a" / "p.db"))
    assert result.returncode == 0, result.stderr
    for name in COMMANDS:
        assert f"/{name} " in result.stdout
    assert (tmp_path / "a" / "p.db").exists()


def test_invite_url_has_scopes_and_permissions():
    result = run_cli("--invite-url", DISCORD_TOKEN=TOKEN)
    assert result.returncode == 0
    url = result.stdout.strip()
    assert "scope=bot+applications.commands" in url
    assert "permissions=17901423807616" in url  # with View Audit Log (1 << 7)


def test_database_newer_than_code_is_refused(tmp_path):
    path = tmp_path / "p.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE x (y)")
    conn.execute("PRAGMA user_version = 999")
    conn.commit()
    conn.close()
    result = run_cli("--check", DISCORD_TOKEN=TOKEN, DATABASE_PATH=str(path))
    assert result.returncode == 2
    assert "newer" in result.stderr
    assert "Traceback" not in result.stderr


async def test_logs_in_registers_commands_and_answers(fake, bot_factory):
    bot = bot_factory(LOG_LEVEL="DEBUG")
    await bot.start()
    assert set(fake.global_commands) == COMMANDS
    assert fake.identify_count == 1
    # Guilds, Guild Voice States (1 << 7: who came to a talk in a stage or voice channel, issue 24) and Guild Scheduled
    # Events (1 << 16): nothing privileged.
    assert fake.identify_payloads[-1]["intents"] == 1 | 1 << 7 | 1 << 16

    interaction = await fake.invoke(
        guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MEMBER_ID, name="schedule", options=MINE
    )
    response = await fake.wait_for_response(interaction)
    assert response["type"] == 4
    assert "no upcoming talks" in response["data"]["content"]
    assert response["data"]["flags"] & EPHEMERAL_FLAG
    assert response["data"]["allowed_mentions"]["parse"] == []
    secret = TOKEN.split(".", 1)[1]
    assert secret not in bot.log()


async def test_announce_settings_checks_permission_in_the_handler(fake, bot_factory):
    await bot_factory().start()
    assert fake.global_commands["announce-settings"]["default_member_permissions"] == "32"
    show = [{"type": 1, "name": "show", "options": []}]
    refused = await fake.invoke(
        guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MEMBER_ID, name="announce-settings", options=show
    )
    assert "Manage Server" in (await fake.wait_for_response(refused))["data"]["content"]
    allowed = await fake.invoke(
        guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MODERATOR_ID, name="announce-settings", options=show
    )
    assert "Announcement channel: not set" in (await fake.wait_for_response(allowed))["data"]["content"]


async def test_guild_ids_register_per_guild(fake, bot_factory):
    await bot_factory(GUILD_IDS=str(GUILD_ID)).start()
    assert set(fake.guild_commands.get(GUILD_ID, {})) == COMMANDS
    assert fake.global_commands == {}


async def test_sigterm_exits_cleanly_within_five_seconds(fake, bot_factory):
    bot = bot_factory()
    await bot.start()
    started = time.monotonic()
    assert await bot.stop() == 0
    assert time.monotonic() - started < 5
    assert "stopped" in bot.log()
    assert "Traceback" not in bot.log()


async def test_kill_9_then_restart_on_the_same_database(fake, bot_factory):
    bot = bot_factory()
    await bot.start()
    await bot.kill()
    assert bot.proc.returncode == -9
    await bot.start()
    assert fake.identify_count == 2
    interaction = await fake.invoke(
        guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MEMBER_ID, name="schedule", options=MINE
    )
    assert (await fake.wait_for_response(interaction))["type"] == 4
    assert await bot.stop() == 0


async def test_gateway_drop_is_survived(fake, bot_factory):
    await bot_factory().start()
    await fake.drop_gateway()
    await eventually(lambda: fake.connected, what="the bot reconnected", timeout=10)
    assert fake.connected
    interaction = await fake.invoke(
        guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MEMBER_ID, name="schedule", options=MINE
    )
    assert (await fake.wait_for_response(interaction, timeout=15))["type"] == 4
