"""The tour: a community's first day with Podium, as its members see it, written to docs/tour.md.

`python -m tests.e2e.transcript` runs three journeys (a moderator setting Podium up, a member's first reminders, a
speaker signing up, then moving and cancelling the talk) through the real `python bot.py` against the loopback fake
Discord, once in English and once in German, and writes everything that became visible to docs/tour.md.
`--check` only compares (exit 1 when docs/tour.md is out of date); tests/e2e/test_tour.py does the same.

The journeys are driven by what the bot shows, never by its wording: commands by their registered names and
option definitions, clicks by custom id prefixes (podium/components.py), forms by their inputs in order. So the
script keeps working while the texts change; regenerating the file shows the change.

Deterministic by construction: the bot's clock is a CLOCK_FILE set before every step, ids never appear (users,
channels, threads and commands are shown by name), and each step waits until the bot is done (its answer given,
nothing due in the outbox, no request to Discord for a moment) before the next one starts.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_timedelta

from cogs._time_questions import PREFIX as WHEN_QUESTION
from podium import components as ids
from podium.clock import FileClock
from tests.botprocess import ROOT, BotProcess
from tests.fake_discord import (
    CALLBACK_DEFERRED_CHANNEL_MESSAGE,
    GUILD_ID,
    MEMBER_ID,
    OWNER_ID,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeInteraction,
    FakeMember,
    FakeMessage,
    InteractionFailed,
    RecordedRequest,
)

TOUR = ROOT / "docs" / "tour.md"
REGENERATE = "python -m tests.e2e.transcript"
ZONE = ZoneInfo("Europe/Berlin")
# Tuesday: the weekly summary (Mondays) is days away, "friday" is this week's.
START = datetime(2026, 12, 8, 10, 0, tzinfo=ZONE)
GENERAL_ID = GUILD_ID + 1
TALKS_ID = GUILD_ID + 10
SPEAKER_ID = MEMBER_ID + 1
# Steps are this far apart: a notice held back to merge with the next change (a minute) goes out before the next step.
STEP = timedelta(minutes=2)
# A step is over when the bot has sent nothing to Discord for this long and nothing is due in the outbox.
QUIET_SECONDS = 0.3
STEP_TIMEOUT = 30.0
_ID = re.compile(r"\b\d{17,20}\b")


class TourError(Exception):
    """The tour's script no longer fits the bot (a command or option it types is gone): fix the journeys."""


# --- The journeys ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """`actor` types a slash command, written as in the English client; shown with the reader's localized names."""

    actor: str
    line: str
    title: str


@dataclass(frozen=True)
class Click:
    """`actor` clicks the component whose custom id starts with `prefix` on the newest message that has one,
    in `where`: "#channel", "DM", or "reply" (the answers only the actor sees).
    """

    actor: str
    where: str
    prefix: str
    title: str
    # A question Podium may or may not ask (it depends on how the bot reads the words): the step is left out if not.
    if_asked: bool = False


@dataclass(frozen=True)
class Submit:
    """`actor` fills in the form last shown to them, its text inputs in order, and submits it."""

    actor: str
    values: tuple[str, ...]
    title: str


@dataclass(frozen=True)
class Wait:
    """Time passes until `until` (local): whatever falls due in between is delivered."""

    until: datetime
    title: str


type Step = Command | Click | Submit | Wait


@dataclass(frozen=True)
class Part:
    """A journey: a heading and its steps."""

    heading: str
    steps: tuple[Step, ...]



def _spaced(text: str) -> str:
    """CLDR puts a narrow no-break space before AM/PM; shown here (and searched for) as a plain one."""
    return text.replace("\u202f", " ")


@dataclass(frozen=True)
class Language:
    """One run of the tour: a server whose members all use one Discord client language."""

    heading: str
    locale: str  # the Discord client locale of every member, and the server's
    babel: str  # the locale dates are shown in
    guild: str
    general: str
    talks: str
    moderator: str
    speaker: str
    member: str
    parts: tuple[Part, ...]


def journeys(*, moderator: str, speaker: str, member: str, talks: str, topic: str, when: str, remind_when: str,
             remind_text: str, new_when: str, reason: str, series: str, every: str) -> tuple[Part, ...]:
    """The three journeys of the issue, with the words a member of that language types."""
    return (
        Part("The moderator: set up Podium in 5 commands (README)", (
            Command(moderator, f"/announce-settings channel channel:#{talks}", "Where Podium posts"),
            Command(moderator, "/announce-settings timezone zone:Europe/Berlin", "The community's clock"),
            Command(moderator, "/announce-settings weekly day:Monday time:09:00", "The weekly summary"),
            Command(moderator, "/announce-settings new-talks enabled:True", "New talks are posted"),
            Command(moderator, "/announce-settings show", "Checking everything"),
        )),
        Part("The speaker signs up", (
            Command(speaker, f"/schedule add when:{when} topic:{topic}", "A first talk"),
        )),
        Part("The member's first day", (
            Command(member, "/help", "What can Podium do?"),
            Command(member, f"/remind-me at when:{remind_when} message:{remind_text}", "A first personal reminder"),
            Click(member, "reply", WHEN_QUESTION, "Picking the time meant", if_asked=True),
            Click(member, f"#{talks}", ids.JOIN, "Reminded of the talk"),
            Command(member, "/remind-me list", "What am I reminded of?"),
            Wait(datetime(2026, 12, 9, 9, 0, tzinfo=ZONE), "The next morning"),
        )),
        Part("The speaker: a reminder, a move, a cancellation", (
            Wait(datetime(2026, 12, 10, 18, 30, tzinfo=ZONE), "A day before the talk"),
            Click(speaker, "DM", ids.MOVE, "Moving the talk from the reminder"),
            Submit(speaker, (new_when,), "The new time"),
            Click(speaker, "DM", ids.CANCEL, "Cancelling the talk from the reminder"),
            Submit(speaker, (reason,), "The reason"),
        )),
        Part("The moderator starts a recurring talk night", (
            Command(moderator, f"/series create name:{series} every:{every} slots:2", "A series"),
            Command(member, "/series list", "What series are there?"),
        )),
    )


ENGLISH = Language(
    heading="English", locale="en-US", babel="en_US", guild="Rust Berlin", general="general", talks="talks",
    moderator="Mia", speaker="Sam", member="Alex",
    parts=journeys(moderator="Mia", speaker="Sam", member="Alex", talks="talks", topic="Intro to Rust",
                   when="friday 18:30", remind_when="tomorrow 9:00", remind_text="Bring questions for Sam",
                   new_when="saturday 17:00", reason="I'm ill, sorry!", series="Rust Thursdays",
                   every="every thursday 19:00"),
)
GERMAN = Language(
    heading="Deutsch", locale="de", babel="de_DE", guild="Rust-Treff Berlin", general="allgemein", talks="vorträge",
    moderator="Jana", speaker="Lukas", member="Emma",
    parts=journeys(moderator="Jana", speaker="Lukas", member="Emma", talks="vorträge", topic="Einführung in Rust",
                   when="freitag 18:30", remind_when="morgen 9:00", remind_text="Fragen für Lukas mitbringen",
                   new_when="samstag 17:00", reason="Ich bin krank, tut mir leid!", series="Rust am Donnerstag",
                   every="jeden Donnerstag 19 Uhr"),
)
LANGUAGES = (ENGLISH, GERMAN)


# --- Driving the bot ----------------------------------------------------------------------------------------------


@dataclass
class Seen:
    """What existed before a step: message ids with their edit counts, thread ids."""

    messages: dict[int, tuple[int, bool]]
    threads: set[int]
    failed: set[int]


@dataclass
class Tour:
    """One language's server, its fake Discord and bot process, and the transcript written so far."""

    language: Language
    fake: FakeDiscord
    bot: BotProcess
    clock_file: Path
    now: datetime = START
    step_at: datetime = START
    clock_set_at: float = 0.0
    lines: list[str] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)  # user id -> name
    aliases: dict[str, str] = field(default_factory=dict)  # an id no name is known for -> a stable alias
    shown_in: dict[int, int] = field(default_factory=dict)  # message id -> the step it first appeared in
    step: int = 0

    # -- the actors --------------------------------------------------------------------------------------------

    def user_id(self, name: str) -> int:
        """A member's id by name."""
        return next(uid for uid, known in self.names.items() if known == name)

    def set_clock(self, when: datetime) -> None:
        """Move the bot's clock (every step starts at a fixed instant, so every run shows the same times)."""
        self.now = when
        FileClock.write(self.clock_file, when)
        self.clock_set_at = time.time()

    def clock_ms(self) -> int:
        """The bot's now, in unix milliseconds, as it reads its CLOCK_FILE."""
        return round((self.now.timestamp() + time.time() - self.clock_set_at) * 1000)

    # -- waiting -----------------------------------------------------------------------------------------------

    def outbox_busy(self) -> bool:
        """A delivery is being sent, or one is due (a second ahead: it is about to be)."""
        with sqlite3.connect(f"file:{self.bot.db_path}?mode=ro", uri=True, timeout=5) as db:
            [[busy]] = db.execute(
                "SELECT count(*) FROM outbox"
                " WHERE state = 'sending' OR (state = 'pending' AND next_attempt_at_ms <= ?)",
                (self.clock_ms() + 1000,),
            ).fetchall()
        return bool(busy)

    async def settle(self) -> None:
        """Wait until the bot is done: nothing due in its outbox and no request to Discord for a moment."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STEP_TIMEOUT
        while True:
            if loop.time() > deadline:
                raise TimeoutError(f"step {self.step}: the bot was still busy after {STEP_TIMEOUT} s")
            since = time.time()
            try:
                # Nothing announces "nothing more will happen": a quiet moment is QUIET_SECONDS without a request,
                # waited for on the fake's request log (any request ends it at once and the wait starts again).
                def after(request: RecordedRequest, since: float = since) -> bool:
                    return request.at >= since

                await self.fake.wait_for_request(after, timeout=QUIET_SECONDS)
                continue
            except TimeoutError:
                pass
            if not self.outbox_busy():
                return

    def seen(self) -> Seen:
        """Every message and thread as they are now."""
        everything = [*self.fake.messages, *self.fake.interaction_messages]
        return Seen({m.id: (len(m.edits), m.deleted) for m in everything}, set(self.fake.threads),
                    {row[0] for row in self.failed_deliveries()})

    def failed_deliveries(self) -> list[tuple[int, str, str]]:
        """Outbox rows Podium gave up on: (id, kind, error)."""
        with sqlite3.connect(f"file:{self.bot.db_path}?mode=ro", uri=True, timeout=5) as db:
            rows = db.execute(
                "SELECT id, kind, coalesce(last_error, '') FROM outbox WHERE state = 'failed' ORDER BY id")
            return [(int(i), str(kind), str(error)) for i, kind, error in rows.fetchall()]

    # -- the steps ---------------------------------------------------------------------------------------------

    async def run(self) -> None:
        """Every part of the language's tour, in order."""
        for part in self.language.parts:
            self.lines += ["", f"### {part.heading}"]
            for step in part.steps:
                await self.run_step(step)

    async def run_step(self, step: Step) -> None:
        """One step: its heading, what fell due since the last one, the action, and everything that became visible."""
        if isinstance(step, Click) and step.if_asked and self.find(step) is None:
            return
        self.step += 1
        # Steps start on whole minutes whatever the deliveries in between did to the clock.
        self.step_at = step.until if isinstance(step, Wait) else self.step_at + STEP
        self.lines += ["", f"#### {self.step}. {step.title} · {self.local(self.step_at)}", ""]
        if isinstance(step, Wait):
            self.lines.append(f"⏳ *Time passes. It is now {self.local(step.until)}.*")
        # What falls due in between goes out at its time, before the action: a change never races a held notice.
        await self.advance(self.step_at, label="At" if isinstance(step, Wait) else "Meanwhile, at")
        self.set_clock(self.step_at)
        if self.outbox_busy():
            before = self.seen()
            await self.settle()
            self.show_results(before, None, heading=None if isinstance(step, Wait) else "Meanwhile:")
        if isinstance(step, Wait):
            return
        self.lines.append("")
        before = self.seen()
        interaction: FakeInteraction | None = None
        try:
            if isinstance(step, Command):
                interaction = await self.command(step)
            elif isinstance(step, Click):
                interaction = await self.click(step)
            else:
                interaction = await self.submit(step)
            response = await self.fake.wait_for_response(interaction)
            if response["type"] == CALLBACK_DEFERRED_CHANNEL_MESSAGE:
                # "Podium is thinking…": the answer comes later, maybe later than a moment of quiet.
                await self.fake.wait_for_interaction_response(
                    interaction, lambda r: r.kind in ("followup", "edit_original"), timeout=STEP_TIMEOUT)
        except InteractionFailed:
            self.lines += ["", "❌ Discord shows: *This interaction failed*"]
        except (LookupError, ValueError) as exc:
            # What the member cannot do (no such button, an input Discord refuses) is part of what they see.
            self.lines += ["", f"❌ Not possible: {exc}"]
        await self.settle()
        self.show_results(before, interaction)
        # What the action held back for a moment (a post's edit, a notice merged with the next change) is part of it.
        await self.advance(self.step_at + STEP, label="Then, at")

    async def advance(self, until: datetime, *, label: str) -> None:
        """Move the clock forward to each delivery due before `until` in turn, as if time passed."""
        while (due := self.next_due()) is not None and due < until:
            before = self.seen()
            self.set_clock(max(due, self.now))
            await self.settle()
            soon = label == "Then, at" and self.now - self.step_at < timedelta(minutes=1)
            self.show_results(before, None, heading="Seconds later:" if soon else f"{label} {self.local(self.now)}:")

    def next_due(self) -> datetime | None:
        """When the bot's next pending delivery is due."""
        with sqlite3.connect(f"file:{self.bot.db_path}?mode=ro", uri=True, timeout=5) as db:
            [[due]] = db.execute("SELECT min(next_attempt_at_ms) FROM outbox WHERE state = 'pending'").fetchall()
        return None if due is None else datetime.fromtimestamp(due / 1000, tz=UTC)

    async def command(self, step: Command) -> FakeInteraction:
        name, options, typed = self.parse(step.line)
        self.lines.append(f"**@{step.actor}** types `{typed}` in #{self.language.general}")
        return await self.fake.invoke(guild_id=GUILD_ID, channel_id=GENERAL_ID, user_id=self.user_id(step.actor),
                                      name=name, options=options, locale=self.language.locale)

    async def click(self, step: Click) -> FakeInteraction:
        found = self.find(step)
        if found is None:
            raise LookupError(f"nothing there has a component {step.prefix}…")
        message, component = found
        if step.where == "reply":
            where = "Podium's answer"
        elif step.where == "DM":
            where = "Podium's DM"
        else:
            where = f"Podium's post in {step.where}"
        origin = self.shown_in.get(message.id)
        if origin is not None:
            where += f" (step {origin})"
        self.lines.append(f"**@{step.actor}** clicks {self.component(component)} on {where}")
        return await self.fake.invoke_component(message_id=message.id, custom_id=component["custom_id"],
                                                user_id=self.user_id(step.actor), locale=self.language.locale)

    def find(self, step: Click) -> tuple[FakeMessage, dict[str, Any]] | None:
        """The newest message in the step's place with an enabled component of the step's prefix, and that one."""
        user_id = self.user_id(step.actor)
        if step.where == "reply":
            candidates = [m for m in self.fake.interaction_messages if m.interaction_id in self.fake.interactions
                          and self.fake.interactions[m.interaction_id].user_id == user_id]
        else:
            channel_id = self.fake.dm_channels.get(user_id) if step.where == "DM" else self.channel_id(step.where[1:])
            candidates = [m for m in self.fake.messages if m.channel_id == channel_id]
        for message in reversed(candidates):
            if message.deleted:
                continue
            for component in walk(message.components):
                if str(component.get("custom_id", "")).startswith(step.prefix) and not component.get("disabled"):
                    return message, component
        return None

    async def submit(self, step: Submit) -> FakeInteraction:
        user_id = self.user_id(step.actor)
        shown = next((i for i in reversed(self.fake.interactions.values())
                      if i.modal is not None and not i.modal_submitted and i.user_id == user_id), None)
        if shown is None or shown.modal is None:
            raise LookupError(f"no form is open for @{step.actor}")
        inputs = [c for c in walk(shown.modal["components"]) if c.get("type") == 4]
        values = dict(zip((c["custom_id"] for c in inputs), step.values, strict=False))
        filled = ", ".join(f"*{self.input_label(shown.modal, c)}* `{v}`" for c, v in zip(inputs, step.values,
                                                                                              strict=False))
        self.lines.append(f"**@{step.actor}** fills in {filled} and submits the form")
        return await self.fake.invoke_modal_submit(user_id=user_id, values=values, modal_from=shown,
                                                   locale=self.language.locale)

    def parse(self, line: str) -> tuple[str, list[dict[str, Any]], str]:
        """`/name sub option:value …` as Discord sends it (options typed by their definitions), and as typed in
        the reader's client (localized names).
        """
        words = line.removeprefix("/").split(" ")
        command = self.fake.find_command(words[0], GUILD_ID)
        typed = [self.localized(command)]
        definitions: list[dict[str, Any]] = command.get("options") or []
        chain: list[dict[str, Any]] = []
        rest = words[1:]
        while rest and (sub := next((o for o in definitions if o["type"] in (1, 2) and o["name"] == rest[0]), None)):
            chain.append(sub)
            typed.append(self.localized(sub))
            definitions = sub.get("options") or []
            rest = rest[1:]
        text = " ".join(rest)
        names = "|".join(re.escape(o["name"]) for o in definitions)
        starts = list(re.finditer(rf"(?:^|\s)({names}):", text)) if names else []
        if text and (not starts or starts[0].start() != 0):
            known = [o["name"] for o in definitions]
            raise TourError(f"{line!r}: {text!r} does not start with an option of /{' '.join(typed)} ({known})")
        options = []
        for index, match in enumerate(starts):
            end = starts[index + 1].start() if index + 1 < len(starts) else len(text)
            raw = text[match.end():end].strip()
            definition = next(o for o in definitions if o["name"] == match.group(1))
            value, shown = self.option_value(definition, raw)
            options.append({"type": definition["type"], "name": definition["name"], "value": value})
            typed.append(f"{self.localized(definition)}:{shown}")
        missing = [o["name"] for o in definitions if o.get("required") and o["name"] not in {m[1] for m in starts}]
        if missing:
            raise TourError(f"{line!r}: the command now needs {missing}; update the tour's journeys")
        for sub in reversed(chain):
            options = [{"type": sub["type"], "name": sub["name"], "options": options}]
        return command["name"], options, "/" + " ".join(typed)

    def option_value(self, definition: dict[str, Any], raw: str) -> tuple[Any, str]:
        """An option's value as Discord sends it, and as the member's client shows it."""
        kind = definition["type"]
        for choice in definition.get("choices") or []:
            if raw.lower() in (choice["name"].lower(), str(choice["value"]).lower()):
                return choice["value"], self.localized(choice)
        if kind == 4:
            return int(raw), raw
        if kind == 10:
            return float(raw), raw
        if kind == 5:
            return raw.lower() == "true", raw
        if kind == 6:
            return str(self.user_id(raw.removeprefix("@"))), raw
        if kind == 7:
            return str(self.channel_id(raw.removeprefix("#"))), raw
        return raw, raw

    def localized(self, item: dict[str, Any]) -> str:
        return str((item.get("name_localizations") or {}).get(self.language.locale, item["name"]))

    def channel_id(self, name: str) -> int:
        guild = self.fake.guilds[GUILD_ID]
        return next(c.id for c in guild.channel_list if c.name == name)

    # -- what became visible -----------------------------------------------------------------------------------

    def show_results(self, before: Seen, interaction: FakeInteraction | None, heading: str | None = None) -> bool:
        """Write what is new or changed since `before`; whether there was anything."""
        shown: list[str] = []
        if interaction is not None and interaction.modal is not None:
            shown += ["", *self.modal(interaction.modal)]
        entries: list[tuple[tuple[int, int, str], list[str]]] = []
        for thread_id in set(self.fake.threads) - before.threads:
            thread = self.fake.threads[thread_id]
            parent = self.channel_name(int(thread["parent_id"]))
            opened = f"🧵 Podium opens the thread „{thread['name']}“ in {parent}."
            entries.append(((2, 0, opened), ["", opened]))
        everything = [*self.fake.messages, *self.fake.interaction_messages]
        new = [m for m in everything if m.id not in before.messages and m.kind != "user"]
        changed = [m for m in everything if m.id in before.messages and before.messages[m.id] != (len(m.edits),
                                                                                                  m.deleted)]
        for message in new:
            self.shown_in[message.id] = self.step
            entries.append(((self.rank(message), 1, self.place(message)),
                            ["", f"{self.place(message)}:", *quote(self.message(message))]))
        # Replies first, then posts, threads and DMs by place: deliveries to different places may finish in any
        # order, those to one place are in the order sent (a stable sort keeps it).
        for _, lines in sorted(entries, key=lambda entry: entry[0]):
            shown += lines
        for message in sorted(changed, key=lambda m: (self.rank(m), self.place(m))):
            what = self.earlier(message)
            if message.deleted:
                shown += ["", f"🗑️ Podium deletes {what}."]
            else:
                shown += ["", f"✏️ Podium edits {what}; it now reads:", *quote(self.message(message))]
        for row_id, kind, error in self.failed_deliveries():
            if row_id not in before.failed:
                # Members see nothing here; whoever reads the tour must, or a broken post would pass unnoticed.
                shown += ["", f"⚠️ *Not delivered (members see nothing of it): {kind}: {self.text(error[:300])}*"]
        if shown and heading:
            shown = ["", f"*{heading}*", *shown]
        self.lines += shown
        return bool(shown)

    def rank(self, message: FakeMessage) -> int:
        if message.kind in ("interaction", "followup"):
            return 0
        if message.channel_id in self.fake.threads:
            return 2
        return 3 if self.dm_user(message.channel_id) is not None else 1

    def place(self, message: FakeMessage) -> str:
        if message.kind in ("interaction", "followup"):
            user = self.names.get(self.fake.interactions[message.interaction_id or 0].user_id
                                  if message.interaction_id in self.fake.interactions else 0, "?")
            if message.ephemeral:
                return f"🔒 Podium answers (only @{user} sees this)"
            return f"💬 Podium answers in {self.channel_name(message.channel_id)} (everyone sees this)"
        if (user_id := self.dm_user(message.channel_id)) is not None:
            return f"📩 DM to @{self.names.get(user_id, '?')}"
        if message.channel_id in self.fake.threads:
            return f"🧵 Post in the thread „{self.fake.threads[message.channel_id]['name']}“"
        return f"📢 Post in {self.channel_name(message.channel_id)}"

    def earlier(self, message: FakeMessage) -> str:
        """A message shown in an earlier step, named for an edit: "its post in #talks (step 6)"."""
        origin = self.shown_in.get(message.id)
        step = f" (step {origin})" if origin is not None else ""
        if message.kind in ("interaction", "followup"):
            interaction = self.fake.interactions.get(message.interaction_id or 0)
            user = self.names.get(interaction.user_id if interaction is not None else 0, "?")
            seen = f"only @{user} sees it" if message.ephemeral else "everyone sees it"
            return f"its answer to @{user}{step}, {seen}"
        if (user_id := self.dm_user(message.channel_id)) is not None:
            return f"its DM to @{self.names.get(user_id, '?')}{step}"
        return f"its post in {self.channel_name(message.channel_id)}{step}"

    def dm_user(self, channel_id: int) -> int | None:
        return next((uid for uid, cid in self.fake.dm_channels.items() if cid == channel_id), None)

    def channel_name(self, channel_id: int) -> str:
        if channel_id in self.fake.threads:
            return f"„{self.fake.threads[channel_id]['name']}“"
        guild = self.fake.guilds[GUILD_ID]
        channel = guild.get_channel(channel_id)
        return f"#{channel.name}" if channel is not None else self.alias(str(channel_id))

    def message(self, message: FakeMessage) -> list[str]:
        lines = [subtext(line) for line in self.text(message.content).splitlines()] if message.content else []
        for embed in message.embeds:
            if lines:
                lines.append("")
            if embed.get("author", {}).get("name"):
                lines.append(f"*{self.text(embed['author']['name'])}*")
            if embed.get("title"):
                lines.append(f"**{self.text(embed['title'])}**")
            if embed.get("description"):
                lines += self.text(embed["description"]).splitlines()
            for item in embed.get("fields") or []:
                lines += [f"**{self.text(item['name'])}**", *self.text(item["value"]).splitlines()]
            if embed.get("footer", {}).get("text"):
                lines.append(f"*{self.text(embed['footer']['text'])}*")
        lines += [f"📎 `{a.get('filename')}`" for a in message.attachments]
        for row in message.components:
            shown = [self.component(c) for c in (row.get("components") or [row])]
            lines.append(" ".join(shown))
        return lines or ["*(empty)*"]

    def component(self, component: dict[str, Any]) -> str:
        kind = component.get("type")
        if kind == 2:
            emoji = (component.get("emoji") or {}).get("name")
            label = " ".join(p for p in (emoji, component.get("label")) if p)
            shown = f"[{self.text(label)}{' ↗' if component.get('style') == 5 else ''}]"
        elif kind == 3:
            options = " | ".join(self.text(o["label"]) for o in component.get("options") or [])
            shown = f"[▾ {self.text(component.get('placeholder') or '')}: {options}]"
        else:
            shown = f"[▾ {self.text(component.get('placeholder') or '')}]"
        return f"~~{shown}~~" if component.get("disabled") else shown

    def modal(self, modal: dict[str, Any]) -> list[str]:
        lines = [f"📝 A form opens: **{self.text(modal.get('title', ''))}**"]
        for item in modal.get("components") or []:
            if item.get("type") == 10:
                lines.append(f"- {self.text(item.get('content', ''))}")
                continue
            inner = item.get("component") or (item.get("components") or [{}])[0]
            if inner.get("type") != 4:
                continue
            detail = [f"*{self.text(inner['placeholder'])}*"] if inner.get("placeholder") else []
            if item.get("description"):
                detail.insert(0, self.text(item["description"]))
            if not inner.get("required", True):
                detail.append("optional")
            suffix = f" — {'; '.join(detail)}" if detail else ""
            lines.append(f"- **{self.input_label(modal, inner)}**{suffix}")
        return lines

    def input_label(self, modal: dict[str, Any], text_input: dict[str, Any]) -> str:
        """A text input's label: on the input (action rows) or on its Label component."""
        for item in modal.get("components") or []:
            if item.get("component", {}).get("custom_id") == text_input.get("custom_id"):
                return self.text(item.get("label", ""))
        return self.text(text_input.get("label", ""))

    # -- text as Discord renders it ----------------------------------------------------------------------------

    def text(self, content: str) -> str:
        content = re.sub(r"<t:(-?\d+)(?::([tTdDfFR]))?>", lambda m: self.timestamp(int(m[1]), m[2] or "f"), content)
        content = re.sub(r"</([^:>]+):\d+>", r"**/\1**", content)
        content = re.sub(r"<@!?(\d+)>", lambda m: f"@{self.names.get(int(m[1])) or self.alias(m[1])}", content)
        content = re.sub(r"<@&(\d+)>", lambda m: f"@{self.role_name(int(m[1]))}", content)
        content = re.sub(r"<#(\d+)>", lambda m: self.channel_name(int(m[1])), content)
        content = re.sub(r"<a?:(\w+):\d+>", r":\1:", content)
        content = re.sub(r"https://discord\.com/channels/\d+/(\d+)(?:/\d+)?",
                         lambda m: f"(link to {self.channel_name(int(m[1]))})", content)
        return _ID.sub(lambda m: self.alias(m[0]), content)

    def timestamp(self, unix: int, style: str) -> str:
        """`<t:unix:style>` as a reader in Berlin sees it (every member of the tour's server is)."""
        when = datetime.fromtimestamp(unix, tz=UTC)
        locale = self.language.babel
        if style == "R":
            return format_timedelta(when - self.now, add_direction=True, locale=locale)
        if style in ("t", "T"):
            pattern = Locale.parse(locale).time_formats["short" if style == "t" else "medium"].pattern
            return _spaced(format_datetime(when, pattern, tzinfo=ZONE, locale=locale))
        if style in ("d", "D"):
            return format_date(when.astimezone(ZONE).date(), "short" if style == "d" else "long", locale=locale)
        return self.local(when)

    def local(self, when: datetime) -> str:
        """A date and time as the reader's Discord client shows it: in its locale's own format (CLDR's, via Babel).

        An en-US member sees "Friday, December 11, 2026, 6:30 PM", not en_GB's 24-hour clock; German keeps its
        short form.
        """
        if self.language.babel.startswith("de"):
            pattern = "EEE d. MMM y, HH:mm"
        else:
            cldr = Locale.parse(self.language.babel)
            pattern = (cldr.datetime_formats["full"].replace("{1}", cldr.date_formats["full"].pattern)
                       .replace("{0}", cldr.time_formats["short"].pattern))
        return f"{_spaced(format_datetime(when, pattern, tzinfo=ZONE, locale=self.language.babel))} (Europe/Berlin)"

    def role_name(self, role_id: int) -> str:
        role = self.fake.guilds[GUILD_ID].get_role(role_id)
        return role.name if role is not None else self.alias(str(role_id))

    def alias(self, raw: str) -> str:
        """An id without a name: numbered in order of appearance, so it is the same on every run."""
        return self.aliases.setdefault(raw, f"id{len(self.aliases) + 1}")


def walk(items: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    for item in items:
        yield item
        yield from walk(item.get("components") or [])
        if isinstance(item.get("component"), dict):
            yield from walk([item["component"]])


def subtext(line: str) -> str:
    """Discord's small grey line ("-# …") as Markdown can show it (else it reads as a list with a heading)."""
    return f"<sub>{line[3:]}</sub>" if line.startswith("-# ") else line


def quote(lines: list[str]) -> list[str]:
    return [f"> {line}" if line else ">" for line in lines]


def server(language: Language) -> FakeGuild:
    return FakeGuild(
        name=language.guild,
        preferred_locale=language.locale,
        channels=[FakeChannel(id=GENERAL_ID, name=language.general), FakeChannel(id=TALKS_ID, name=language.talks)],
        members=[
            FakeMember(id=OWNER_ID, username=language.moderator.lower(), global_name=language.moderator),
            FakeMember(id=SPEAKER_ID, username=language.speaker.lower(), global_name=language.speaker),
            FakeMember(id=MEMBER_ID, username=language.member.lower(), global_name=language.member),
        ],
    )


async def run_language(language: Language, folder: Path) -> list[str]:
    """One language's tour with its own fake Discord and bot process; its lines of Markdown."""
    # The tour shows what members see; answering in time is tested in test_every_command_answers_in_time.py,
    # and a slow machine must not turn a step into "This interaction failed" here.
    async with FakeDiscord(guilds=[server(language)], interaction_deadline=None) as fake:
        clock_file = folder / "clock"
        FileClock.write(clock_file, START)
        bot = BotProcess(fake, folder, CLOCK_FILE=str(clock_file), DISPATCH_TICK_SECONDS="1")
        tour = Tour(language, fake, bot, clock_file, names={
            OWNER_ID: language.moderator, SPEAKER_ID: language.speaker, MEMBER_ID: language.member,
            fake.bot_user_id: "Podium",
        })
        tour.set_clock(START)
        await bot.start()
        try:
            await tour.run()
        except BaseException:
            sys.stderr.write(bot.log()[-20000:])
            raise
        finally:
            await bot.stop()
    cast = (f"*{language.guild}*: @{language.moderator} (moderator, owns the server), @{language.speaker} "
            f"(speaker) and @{language.member} (member), all with Discord in `{language.locale}`; commands are "
            f"typed in #{language.general}.")
    return ["", f"## {language.heading}", "", cast, *tour.lines]


STARTS_ON = format_datetime(START, "EEEE d MMMM y, HH:mm", tzinfo=ZONE, locale="en_GB")
INTRO = f"""# A tour of Podium's first day

*Generated by `{REGENERATE}`; do not edit by hand. tests/e2e/test_tour.py fails when this file is
not what the script writes, so it always shows the current bot.*

Three journeys — a moderator setting Podium up with the README's five commands, a speaker signing up, moving and
cancelling a talk, and a member's first day — once in an English and once in a German server. The real
`python bot.py` runs against the loopback fake Discord (tests/fake_discord/); the members' commands, clicks and
forms are sent as Discord sends them, and each step lists everything that became visible: the answer only the
member sees (🔒), posts in channels (📢) and threads (🧵), direct messages (📩), forms (📝) and edits of earlier
messages (✏️).

How to read it: buttons are shown as [Label] (~~[Label]~~ when disabled, ↗ for a link), selects as
[▾ placeholder: options]. Mentions are shown as @Name and #channel, clickable command mentions in bold
(**/schedule add**; Discord shows them with their default, English name in every language) and commands written as
plain text as `/code`, and `<t:…>` times as a member in Berlin sees them. ⚠️ flags a delivery Podium gave up
on (members see nothing of it). The server is in Europe/Berlin; the
tour starts on {STARTS_ON}, and the bot's clock (CLOCK_FILE) is set at the start of each step.

Contents: [English](#english) · [Deutsch](#deutsch)"""


async def build() -> str:
    """The whole tour, both languages (run side by side: each has its own fake Discord and bot)."""
    with tempfile.TemporaryDirectory(prefix="podium-tour-") as base:
        folders = [Path(base) / language.locale for language in LANGUAGES]
        for folder in folders:
            folder.mkdir()
        sections = await asyncio.gather(*(run_language(lang, folder) for lang, folder in zip(LANGUAGES, folders,
                                                                                              strict=True)))
    lines = [INTRO, *(line for section in sections for line in section)]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in lines)) + "\n"


def main(argv: list[str] | None = None, write: Callable[[str], None] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate docs/tour.md from a run of the real bot.")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when docs/tour.md is out of date")
    args = parser.parse_args(argv)
    started = time.monotonic()
    text = asyncio.run(build())
    took = time.monotonic() - started
    current = TOUR.read_text(encoding="utf-8") if TOUR.exists() else ""
    if args.check:
        if text != current:
            sys.stdout.writelines(difflib.unified_diff(current.splitlines(True), text.splitlines(True),
                                                       "docs/tour.md", "now"))
            print(f"docs/tour.md is out of date: run `{REGENERATE}` ({took:.1f} s)")
            return 1
        print(f"docs/tour.md is current ({took:.1f} s)")
        return 0
    (write or (lambda t: TOUR.write_text(t, encoding="utf-8")))(text)
    print(f"wrote {TOUR.relative_to(ROOT)} ({took:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
