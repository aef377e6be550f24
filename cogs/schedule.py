"""/schedule: talk sign-ups, listing, moving, cancelling, exporting. Thin: parse, call TalkService, reply."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

import nextcord
from nextcord import Interaction, SlashOption
from nextcord.ext import commands

from cogs._components import handles, view_of
from cogs._confirm import ConfirmView
from cogs._options import WhenOption
from cogs._replies import (
    NO_MENTIONS,
    VIA_LABEL,
    guild_id_of,
    guild_rights,
    is_moderator,
    reply_ephemeral,
    user_id_of,
)
from cogs._zone import read_in
from cogs.announce_settings import REQUIRED, caller_lacks, names
from podium import archive, components, i18n, slots, timeparse
from podium.audience import going
from podium.calendar_feed import PAST_KEPT, build_calendar
from podium.clock import from_ms
from podium.delivery import kinds
from podium.i18n import N_, Translator
from podium.markup import both_times, clip, command, discord_time, fit_lines, inert, quote_clipped
from podium.preferences import effective_zone, load_guild, load_user
from podium.scheduled_events import EventsError
from podium.seats import SEATS_MAX, validate_seats
from podium.services import Services
from podium.talk_model import Talk, TalkError
from podium.talks import Actor, authorize, confirmation, who_is_told
from podium.zones import local_moment

log = logging.getLogger(__name__)

PAGE_SIZE = 10
# The list's ◀ Previous / Next ▶ buttons: :days:page:mark (the mark names the button whatever its label's
# language). Declared, so the one router answers them (on_list_page), from the id alone, after a restart too.
LIST = components.declare("podium:list", numbers=2, tail="[◀N]")
LIST_PREFIX = LIST + ":"
# /schedule past's ◀ Previous / Next ▶ buttons: :speaker id (0: anyone):page:mark, then the search words (at most
# PAST_QUERY_MAX characters, so the id stays within Discord's 100): the whole search is in the id, no state kept.
PAST = components.declare("podium:past", numbers=2, tail=r"[◀N](?s:.{0,45})")
PAST_QUERY_MAX = 45
PAST_PAGE_SIZE = 10
# A past talk's line with its links takes at most this much of the embed (ten must fit 4,096); a longer one names
# the links and leaves them to /schedule info.
PAST_LINE_CHARS = 400
CONTENT_LIMIT, EMBED_DESCRIPTION_LIMIT = 2000, 4096
# Of /schedule info's reply to a speaker or moderator, kept for the planned messages' heading and a line or two of
# them (or "No messages planned."), whatever the sections and the description take.
INFO_RESERVE = 120
MORE_TALKS = N_("… and {n} more")
# A talk's state, as /schedule info shows it.
STATES = {"scheduled": N_("scheduled"), "cancelled": N_("cancelled"), "done": N_("done")}


# A topic in a list takes at most this many characters (escaped): ten of them always fit one embed.
LIST_TOPIC_CHARS = 150


def talk_line(talk: Talk, attendees: int = 0, t: Translator = i18n.ENGLISH) -> str:
    """One line of a talk list: when, topic, speaker (named; embeds never ping), how many are going."""
    line = t._("{when} — {topic} by {speaker} · {minutes} min", when=both_times(talk.starts_at),
               topic=quote_clipped(talk.topic, LIST_TOPIC_CHARS), speaker=f"<@{talk.speaker_id}>",
               minutes=talk.duration_minutes)
    return f"{line} · 🔔 {going(attendees, t)}" if attendees else line


# A talk's number where one is shown: said as what it is, never a bare "#7".
TALK_NUMBER = N_("talk #{id}")


def kind_label(kind: str, t: Translator = i18n.ENGLISH) -> str:
    """A kind of planned message as a person calls it ("speaker reminder")."""
    try:
        label = kinds.get(kind).label
    except ValueError:
        label = ""  # a kind of an older release still queued
    return t._(label) if label else kind.replace("_", " ")


def mine_text(talks: list[Talk], total: int, t: Translator = i18n.ENGLISH) -> str:
    """The reply of /schedule mine, within Discord's 2,000 characters."""
    lines, _ = fit_lines([f"{talk_line(talk, t=t)} ({t._(TALK_NUMBER, id=talk.id)})"
                          + (" · " + t._("⏳ waiting for approval") if talk.approval == "pending" else "")
                          for talk in talks],
                         CONTENT_LIMIT - 40,
                         more=t._(MORE_TALKS))
    return t._("Your upcoming talks ({total}):", total=t.number(total)) + f"\n{lines}"


def who_is_going(names: Sequence[int], attendees: int, t: Translator = i18n.ENGLISH) -> str:
    """"@Ann, @Bo and @Cy", or "@Ann, … @Jo and 12 more" past the names shown (mentions: the reply pings nobody)."""
    mentions = [f"<@{user_id}>" for user_id in names]
    more = attendees - len(mentions)
    if more <= 0:
        return t.join(mentions)
    # Translators: the end of a list of members going to a talk: "@Ann, @Bo, and 12 more".
    return t.ngettext("{names}, and {n} more", "{names}, and {n} more", more, names=", ".join(mentions))


def info_text(
    talk: Talk,
    planned: list[tuple[str, datetime, str]] | None,
    *,
    attendees: int = 0,
    names: Sequence[int] = (),
    mine: bool = False,
    audience_rows: dict[str, int] | None = None,
    sections: Sequence[str] = (),
    t: Translator = i18n.ENGLISH,
    status: Sequence[str] = (),
) -> str:
    """The reply of /schedule info; what is planned (and the audience's rows, counted) for speaker and moderators.

    `sections`: lines about the talk from features (its links; for a past talk, `archive.past_talk_section`s).
    """
    count = going(attendees, t)
    count = t._("{going} (you too)", going=count) if mine else count
    head = [
        f"{quote_clipped(talk.topic, 400)} ({t._(TALK_NUMBER, id=talk.id)}, {t._(STATES.get(talk.state, talk.state))})",
        t._("Speaker: {speaker} · {when} · {minutes} min", speaker=f"<@{talk.speaker_id}>",
            when=both_times(talk.starts_at), minutes=talk.duration_minutes),
        # Translators: "3 going: @Ann, @Bo and @Cy" (names are shown, never pinged).
        "🔔 " + (t._("{going}: {names}", going=count, names=who_is_going(names, attendees, t)) if names else count),
        *status,  # approval and the speaker's answer (podium/workflow.py), for the speaker and moderators
    ]
    # Kept for the planned messages' heading and a line or two of them, shown to the speaker and moderators.
    reserve = 0 if planned is None else INFO_RESERVE
    if sections:
        # Two links of 512 characters beside the longest topic and names: the sections' lines get what is left of
        # the reply, each whole (a link is never cut), those that do not fit counted as "… and N more".
        room = CONTENT_LIMIT - len("\n".join(head)) - 1 - reserve
        lines = [line for section in sections for line in section.split("\n")]
        fitted, _ = fit_lines(lines, max(room, 0), more=t._(MORE_TALKS))
        head += [fitted] if fitted else []
    # A block quote runs to the end of the message: the description comes last.
    # Escaped, so that a description stays text inside the quote (no link, heading or mention), cut to fit the reply.
    tail = description_quote(talk.description, CONTENT_LIMIT - len("\n".join(head)) - reserve)
    if planned is None:
        return "\n".join(head) + tail
    lines = [
        "• " + t._("{kind} {when} via {via}", kind=kind_label(kind, t), when=discord_time(when),
                   via=t._(VIA_LABEL[via]) if via in VIA_LABEL else via)
        for kind, when, via in planned
    ]
    lines += [f"• {t.number(n)} × {kind_label(kind, t)}" for kind, n in (audience_rows or {}).items()]
    if not lines:
        return "\n".join([*head, t._("No messages planned.")]) + tail
    budget = CONTENT_LIMIT - len("\n".join(head)) - len(tail) - 30
    listed, _ = fit_lines(lines, budget, more=t._(MORE_TALKS))
    return "\n".join([*head, t._("Planned messages:"), listed]) + tail


def description_quote(description: str | None, room: int) -> str:
    """The description as the reply's closing block quote, escaped, cut to at most 1,000 characters and `room`."""
    if not description:
        return ""
    limit = 1000
    while True:
        quoted = f"\n>>> {inert(clip(description, limit), one_line=False)}"
        if len(quoted) <= room or limit <= 1:
            return quoted if len(quoted) <= room else ""
        # Escaping at most doubles a character: shrink by the excess, at least by one.
        limit = max(1, limit - max(1, (len(quoted) - room + 1) // 2))


def masked_link(label: str, url: str) -> str:
    """`[label](url)` for an embed; a parenthesis in the url (percent-encoded: the same address) cannot end it."""
    return f"[{label}]({url.replace('(', '%28').replace(')', '%29')})"


def past_line(talk: Talk, t: Translator = i18n.ENGLISH) -> str:
    """One line of /schedule past: the day, topic, speaker (named; embeds never ping), its links."""
    line = t._("{when} — {topic} by {speaker}", when=discord_time(talk.starts_at, "f"),
               topic=quote_clipped(talk.topic, LIST_TOPIC_CHARS), speaker=f"<@{talk.speaker_id}>")
    links = [masked_link(t._(label), url) for label, url in ((N_("Slides"), talk.slides_url),
                                                             (N_("Recording"), talk.recording_url)) if url]
    if not links:
        return line
    with_links = f"{line} · 📎 " + " · ".join(links)
    if len(with_links) <= PAST_LINE_CHARS:
        return with_links
    return f"{line} · 📎 " + t._("links in {command}", command=command("schedule info"))


def choice_label(talk: Talk, zone: str = "UTC", t: Translator = i18n.ENGLISH) -> str:
    """An autocomplete label in the member's zone, with the speaker's name (Discord: ≤ 100 characters, plain text)."""
    when = local_moment(talk.starts_at, zone, t)
    by = f" · {talk.speaker_name[:30]}" if talk.speaker_name else ""
    tail = f" — {when}{by}"
    return f"{talk.topic[: 100 - len(tail)]}{tail}"


def with_calendar(view: nextcord.ui.View | None, talk_id: int, t: Translator) -> nextcord.ui.View:
    """The reply's view with "📅 Add to calendar" in its last row (after any time zone buttons).

    Issue 21 §5: every talk shown offers it, and the first to want a talk in their calendar is its speaker (and
    again when they move it: the same UID with a higher SEQUENCE replaces the entry).
    """
    view = view or nextcord.ui.View(timeout=None, prevent_update=False)
    item = components.calendar_button(talk_id, t)
    view.add_item(nextcord.ui.Button(style=nextcord.ButtonStyle(item["style"]), label=item["label"],
                                     custom_id=item["custom_id"], row=4))
    return view

class Schedule(commands.Cog):
    """/schedule add | list | mine | reschedule | edit | cancel | info | export | past | links | stats."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.talks = services.talks
        # dateparser's first call costs ~300 ms: pay it at start, not in someone's command.
        log.debug("dateparser warmed up in %.0f ms", timeparse.warm_up() * 1000)

    # -- helpers -------------------------------------------------------------------------------

    async def actor(self, interaction: Interaction) -> Actor:
        """Who is acting, and whether they are a moderator of the whole server.

        Manage Events, Manage Server or Administrator from their roles, or the moderator role — never from one
        channel's overwrites.
        """
        return Actor(user_id_of(interaction), is_moderator=await is_moderator(interaction, self.services))

    async def seats_line(self, talk: Talk, t: Translator) -> str:
        """A talk's seats in one line: taken, the limit, waiting; a limit below those seated keeps them seated."""
        seated = await self.services.audience.count(talk.id)
        waiting = await self.services.audience.waiting(talk.id)
        if talk.seat_limit is None:
            return t._("🎟️ No seat limit: everyone waiting is offered a seat.") if waiting else t._(
                "🎟️ No seat limit.")
        if seated > talk.seat_limit:
            return t._("🎟️ {seated} members already have a seat, more than the {limit} seats: they all keep it, and "
                       "nobody new gets one until fewer than {limit} remain.", seated=t.number(seated),
                       limit=t.number(talk.seat_limit))
        return t.ngettext("🎟️ {taken} of {n} seats taken, {waiting} waiting.",
                          "🎟️ {taken} of {n} seats taken, {waiting} waiting.", talk.seat_limit,
                          taken=t.number(seated), waiting=t.number(waiting))

    @staticmethod
    def talk_id(value: str) -> int:
        """The talk id an autocomplete choice carries."""
        if not value.strip().isdigit():
            raise TalkError(N_("Pick a talk from the list that appears as you type in the `talk` option."))
        return int(value)

    async def grouped_lines(self, talks: list[Talk], going_to: dict[int, int], t: Translator,
                            empty: list[tuple[slots.Evening, int]] | None = None) -> list[str]:
        """One entry per talk; a series evening's talks under its heading (the series, when, its open slots).

        `empty`: evenings no talk holds yet, each its heading alone, in time order among the talks.
        """
        evenings = await slots.open_counts(self.services.db, {talk.evening_id for talk in talks
                                                              if talk.evening_id is not None})
        entries: list[tuple[datetime, int, str]] = []
        previous = None
        for index, talk in enumerate(talks):
            line = talk_line(talk, going_to[talk.id], t)
            if talk.evening_id in evenings and talk.evening_id != previous:
                evening, open_count = evenings[talk.evening_id]
                # The heading rides with the evening's first talk: fit_lines counts talks, not headings.
                line = f"{slots.evening_heading(evening, open_count, t)}\n{line}"
            previous = talk.evening_id
            entries.append((talk.starts_at, index, line))
        entries += [(evening.starts_at, -1, slots.evening_heading(evening, open_count, t))
                    for evening, open_count in empty or []]
        return [line for _, _, line in sorted(entries, key=lambda entry: (entry[0], entry[1]))]

    async def list_page(
        self, guild_id: int, days: int, page: int, t: Translator = i18n.ENGLISH, zone: str = "UTC"
    ) -> tuple[nextcord.Embed, nextcord.ui.View | None]:
        """One page of upcoming talks, a "Remind me of…" select of them, previous/next buttons past PAGE_SIZE.

        The select's labels are plain text (no `<t:…>` there): they show `zone`, the reader's.
        """
        talks, total = await self.talks.upcoming(
            guild_id, within=timedelta(days=days), limit=PAGE_SIZE, offset=page * PAGE_SIZE
        )
        pages = max(1, -(-total // PAGE_SIZE))
        going_to = await self.services.audience.counts([talk.id for talk in talks])
        title = t.ngettext("Upcoming talks — next {n} day", "Upcoming talks — next {n} days", days)
        embed = nextcord.Embed(title=title, colour=nextcord.Colour.blurple())
        # A series' evenings nobody has claimed yet show too, with their open slots: each on the page of the first
        # talk after it (the last page holds those after every talk), so paging shows each once.
        now = self.services.clock.now()
        after = now
        if page > 0:
            before, _ = await self.talks.upcoming(guild_id, within=timedelta(days=days), limit=1,
                                                  offset=page * PAGE_SIZE - 1)
            after = before[0].starts_at if before else now
        last_page = page + 1 >= pages
        empty = await slots.evenings_without_talks(
            self.services.db, guild_id, after,
            now + timedelta(days=days) if last_page or not talks else talks[-1].starts_at)
        lines, _ = fit_lines(await self.grouped_lines(talks, going_to, t, empty), EMBED_DESCRIPTION_LIMIT,
                             more=t._(MORE_TALKS))
        embed.description = lines or t._("No talks yet — sign up with {command}.", command=command("schedule add"))
        embed.set_footer(text=t.ngettext("Page {page}/{pages} · {n} talk", "Page {page}/{pages} · {n} talks", total,
                                         page=t.number(page + 1), pages=t.number(pages)))
        if not talks:
            return embed, None
        # prevent_update=False (view_of): nextcord must not track (and auto-answer) these; the stateless
        # router answers them (on_list_page, and cogs/audience.py for the select), also after a restart.
        choices = [(talk.id, choice_label(talk, zone, t)) for talk in talks]
        # The labels are plain text in `zone` while the embed's `<t:…>` shows each reader's own clock: say which.
        picker = components.talk_picker(choices, placeholder=t._("🔔 Remind me of… (times in {zone})", zone=zone), t=t)
        view = view_of([picker, components.stop_picker(choices, t)])
        if pages > 1:
            # The custom id's last part names the button whatever its label's language (◀ / N, as before).
            for label, target, disabled, mark in (
                (t._("◀ Previous"), page - 1, page == 0, "◀"),
                (t._("Next ▶"), page + 1, page >= pages - 1, "N"),
            ):
                view.add_item(nextcord.ui.Button(
                    label=label, custom_id=f"{LIST_PREFIX}{days}:{target}:{mark}", disabled=disabled, row=2
                ))
        return embed, view

    async def past_page(
        self, guild_id: int, speaker_id: int | None, query: str, page: int, t: Translator = i18n.ENGLISH
    ) -> tuple[nextcord.Embed, nextcord.ui.View | None]:
        """One page of past talks, newest first, with previous/next buttons that carry the search."""
        talks, total = await self.services.archive.past(
            guild_id, speaker_id=speaker_id, query=query, limit=PAST_PAGE_SIZE, offset=page * PAST_PAGE_SIZE
        )
        pages = max(1, -(-total // PAST_PAGE_SIZE))
        embed = nextcord.Embed(title=t._("Past talks"), colour=nextcord.Colour.blurple())
        lines, _ = fit_lines([past_line(talk, t) for talk in talks], EMBED_DESCRIPTION_LIMIT, more=t._(MORE_TALKS))
        searched = speaker_id is not None or query
        embed.description = lines or (t._("No past talk matches that search.") if searched
                                      else t._("No talks have taken place yet."))
        embed.set_footer(text=t.ngettext("Page {page}/{pages} · {n} talk", "Page {page}/{pages} · {n} talks", total,
                                         page=t.number(page + 1), pages=t.number(pages)))
        if pages <= 1:
            return embed, None
        view = nextcord.ui.View(timeout=None, prevent_update=False)
        for label, target, disabled, mark in (
            (t._("◀ Previous"), page - 1, page == 0, "◀"),
            (t._("Next ▶"), page + 1, page >= pages - 1, "N"),
        ):
            view.add_item(nextcord.ui.Button(
                label=label, custom_id=f"{PAST}:{speaker_id or 0}:{target}:{mark}{query}", disabled=disabled
            ))
        return embed, view

    # -- commands ------------------------------------------------------------------------------

    @nextcord.slash_command(
        name="schedule",
        description="Sign up for a talk, move it or cancel it",
        contexts=[nextcord.InteractionContextType.guild],
    )
    async def schedule(self, interaction: Interaction) -> None:
        """Parent of the /schedule subcommands."""

    @schedule.subcommand(name="add", description="Sign up for a talk")
    async def add(
        self,
        interaction: Interaction,
        topic: str = SlashOption(description="What the talk is about", min_length=1, max_length=200),
        # Optional since a series' slot has its time (`series`); Discord wants the required options first.
        when: WhenOption | None = SlashOption(
            description="When, in your time zone: e.g. 'friday 18:00', '2026-12-03 19:00'", max_length=100,
            required=False,
        ),
        speaker: nextcord.Member | None = SlashOption(description="Sign someone else up (moderators)", required=False),
        duration: int | None = SlashOption(
            description="Minutes (5-240); default: the server's slot length", required=False, min_value=5, max_value=240
        ),
        seats: int | None = SlashOption(
            description="A seat limit, for a workshop (1-10000); then a waitlist", required=False, min_value=1,
            max_value=SEATS_MAX,
        ),
        series: str | None = SlashOption(
            description="Claim the next open slot of a series instead of giving a time", required=False,
            autocomplete=True,
        ),
    ) -> None:
        """Sign up for a talk, or claim a series' next open slot (`series`)."""
        actor = await self.actor(interaction)
        if series is not None:
            await self.add_to_series(interaction, actor, series, topic, when is not None or speaker is not None
                                     or duration is not None)
            return
        if when is None:
            raise TalkError(N_("Give `when` (or `series` to claim a series' slot). "
                               "Example: `/schedule add topic:Intro to Rust when:friday 18:00`"))
        person = speaker or interaction.user
        talk = await self.talks.add(
            guild_id=guild_id_of(interaction),
            actor=actor,
            speaker_id=speaker.id if speaker else actor.user_id,
            topic=topic,
            starts_at=when.when,
            duration_minutes=duration,
            speaker_name=person.display_name if person is not None else None,
            seat_limit=validate_seats(seats) if seats is not None else None,
        )
        t = i18n.translator(interaction.locale)
        details = {"topic": quote_clipped(talk.topic, 400), "when": both_times(talk.starts_at),
                   "minutes": talk.duration_minutes}
        if talk.approval == "pending":
            # Held for a moderator (approval on): nothing is announced or reminded until then.
            signed_up = t._("⏳ {topic} on {when}, {minutes} min, is waiting for a moderator's approval: it goes on "
                            "the schedule once approved, and you'll get a DM either way.", **details)
        elif talk.speaker_id == actor.user_id:
            signed_up = t._("✅ You are signed up: {topic} on {when}, {minutes} min.", **details)
        else:
            signed_up = t._("✅ {speaker} is signed up: {topic} on {when}, {minutes} min.",
                            speaker=f"<@{talk.speaker_id}>", **details)
        if talk.seat_limit is not None:
            signed_up += " " + t.ngettext("🎟️ {n} seat; a waitlist once they are taken.",
                                          "🎟️ {n} seats; a waitlist once they are taken.", talk.seat_limit)
        read, view = await read_in(self.services, interaction, when, talk=True)
        # No bare "#12" after the sentence: members pick talks by topic, and an unexplained number read as noise.
        await reply_ephemeral(interaction, f"{signed_up}\n{read}", view=with_calendar(view, talk.id, t))

    async def add_to_series(self, interaction: Interaction, actor: Actor, series: str, topic: str,
                            more: bool) -> None:
        """/schedule add series: the series' next open slot, claimed with the topic; "Pick another" offers the rest."""
        if more:
            raise TalkError(N_("A series' slot has its own time and length, and is claimed for yourself: give only "
                               "`topic` and `series`. Example: `/schedule add topic:Intro to Rust series:Rust "
                               "Thursdays`"))
        guild_id = guild_id_of(interaction)
        found = await self.services.series.find(guild_id, series)
        user = interaction.user
        outcome = await slots.claim_in_series(self.talks, guild_id=guild_id, user_id=actor.user_id,
                                              series_id=found.id, topic=topic,
                                              speaker_name=user.display_name if user is not None else None)
        reply = await slots.claim_reply(self.services.db, outcome, i18n.translator(interaction.locale),
                                        self.services.clock.now(), topic_set=True,
                                        zone=await slots.reader_zone(self.services.db, actor.user_id, guild_id))
        await reply_ephemeral(interaction, reply.text, view=view_of(reply.rows) if reply.rows else None)

    @add.on_autocomplete("series")
    async def add_series_autocomplete(self, interaction: Interaction, series: str) -> None:
        """The server's active series, matched on name."""
        found = await self.services.series.named(guild_id_of(interaction), series or "")
        await interaction.response.send_autocomplete({item.name[:100]: str(item.id) for item in found})

    @schedule.subcommand(name="list", description="Upcoming talks")
    async def list_(
        self,
        interaction: Interaction,
        days: int = SlashOption(
            description="How many days ahead (1-90)", required=False, default=30, min_value=1, max_value=90
        ),
    ) -> None:
        """Upcoming talks, paginated; posted for everyone, so in the server's language (as its channel posts)."""
        guild_id = guild_id_of(interaction)
        locale = await self.services.guild_settings.post_locale(guild_id) or interaction.guild_locale
        # Read by the whole channel: the server's zone, as the language is the server's.
        zone = (await load_guild(self.services.db, guild_id)).timezone
        embed, view = await self.list_page(guild_id, days, 0, i18n.translator(locale), zone)
        if view is None:
            await interaction.response.send_message(embed=embed, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(embed=embed, view=view, allowed_mentions=NO_MENTIONS)
        # The list is posted for everyone: sign-ups waiting for approval and the speakers' answers are shown
        # privately, to their speaker and to moderators.
        actor = await self.actor(interaction)
        private = await self.services.workflow.overview(guild_id, actor.user_id, actor.is_moderator,
                                                        i18n.translator(interaction.locale))
        if private:
            await interaction.followup.send(private, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @schedule.subcommand(name="mine", description="Your upcoming talks")
    async def mine(self, interaction: Interaction) -> None:
        """The caller's own upcoming talks."""
        talks, total = await self.talks.upcoming(guild_id_of(interaction), speaker_id=user_id_of(interaction),
                                                 pending=True)
        t = i18n.translator(interaction.locale)
        if not talks:
            await reply_ephemeral(interaction, t._("You have no upcoming talks. Sign up with `/schedule add`."))
            return
        await reply_ephemeral(interaction, mine_text(talks, total, t))

    @schedule.subcommand(name="reschedule", description="Move a talk")
    async def reschedule(
        self,
        interaction: Interaction,
        talk: str = SlashOption(description="The talk to move", autocomplete=True),
        when: WhenOption = SlashOption(description="The new time, in your time zone", max_length=100),
    ) -> None:
        """Move a talk to a new time."""
        actor = await self.actor(interaction)
        _, after = await self.talks.reschedule(
            guild_id=guild_id_of(interaction),
            actor=actor,
            talk_id=self.talk_id(talk),
            starts_at=when.when,
        )
        t = i18n.translator(interaction.locale)
        read, view = await read_in(self.services, interaction, when, talk=True)
        told = await who_is_told(self.services.db, after, actor)
        await reply_ephemeral(interaction, confirmation(t, "reschedule", after, told) + f"\n{read}",
                              view=with_calendar(view, after.id, t))

    @schedule.subcommand(name="edit", description="Change a talk's topic, length, description or speaker")
    async def edit(
        self,
        interaction: Interaction,
        talk: str = SlashOption(description="The talk to change", autocomplete=True),
        topic: str | None = SlashOption(description="A new topic", required=False, min_length=1, max_length=200),
        duration: int | None = SlashOption(
            description="A new length in minutes (5-240)", required=False, min_value=5, max_value=240
        ),
        description: str | None = SlashOption(
            description="What the talk is about, up to 1,000 characters ('-' removes it)", required=False,
            max_length=1000,
        ),
        speaker: nextcord.Member | None = SlashOption(description="Give it to someone else (moderators)",
                                                      required=False),
        seats: int | None = SlashOption(
            description="A seat limit (1-10000); 0 removes it", required=False, min_value=0, max_value=SEATS_MAX,
        ),
    ) -> None:
        """Edit a talk without cancelling it; attendees hear only of a new speaker."""
        before, after = await self.talks.edit(
            guild_id=guild_id_of(interaction),
            actor=await self.actor(interaction),
            talk_id=self.talk_id(talk),
            topic=topic,
            duration_minutes=duration,
            description=description,
            speaker_id=speaker.id if speaker else None,
            seat_limit=validate_seats(seats) if seats is not None else "unchanged",
        )
        t = i18n.translator(interaction.locale)
        changed = [
            t._(name) for name, old, new in (
                (N_("topic"), before.topic, after.topic),
                (N_("length"), before.duration_minutes, after.duration_minutes),
                (N_("description"), before.description, after.description),
                (N_("speaker"), before.speaker_id, after.speaker_id),
                (N_("seats"), before.seat_limit, after.seat_limit),
            ) if old != new
        ]
        told = (" " + t._("Those who asked to be reminded are told about the new speaker, who gets the speaker's "
                          "reminders.") if before.speaker_id != after.speaker_id else "")
        if before.seat_limit != after.seat_limit:
            told += " " + await self.seats_line(after, t)
        await reply_ephemeral(
            interaction,
            t._("✏️ {topic} ({when}): changed the {fields}.", topic=quote_clipped(after.topic, 400),
                when=both_times(after.starts_at), fields=", ".join(changed))
            + told,
        )

    @schedule.subcommand(name="cancel", description="Cancel a talk (asks to confirm)")
    async def cancel(
        self,
        interaction: Interaction,
        talk: str = SlashOption(description="The talk to cancel", autocomplete=True),
        reason: str | None = SlashOption(description="Why (told to the speaker)", required=False, max_length=300),
    ) -> None:
        """Ask to confirm, then cancel."""
        found = await self.talks.get(guild_id_of(interaction), self.talk_id(talk))
        if found is None or found.state != "scheduled":
            raise TalkError(
                i18n.N_("I can't find that scheduled talk. Pick one from the list that appears as you type.")
            )
        actor = await self.actor(interaction)
        authorize(actor, "cancel", found)  # asked before the question; the service asks again at the click
        await ConfirmCancel(self, found, actor, reason).ask(
            interaction,
            i18n.translator(interaction.locale)._("Cancel {topic} on {when}? This can't be undone.",
                                                  topic=quote_clipped(found.topic, 400),
                                                  when=discord_time(found.starts_at)),
        )

    @schedule.subcommand(name="info", description="One talk in detail, with its planned reminders")
    async def info(
        self, interaction: Interaction, talk: str = SlashOption(description="The talk", autocomplete=True)
    ) -> None:
        """Details of one talk."""
        found = await self.talks.get(guild_id_of(interaction), self.talk_id(talk))
        if found is None:
            raise TalkError(i18n.N_("I can't find that talk. Pick one from the list that appears as you type."))
        actor = await self.actor(interaction)
        own = actor.user_id == found.speaker_id or actor.is_moderator
        if found.approval != "approved" and not own:
            # A sign-up not (yet) approved is its speaker's and the moderators' business only.
            raise TalkError(i18n.N_("I can't find that talk. Pick one from the list that appears as you type."))
        attendees = await self.services.audience.count(found.id)
        names = await self.services.audience.who(found.id) if attendees else []
        mine = await self.services.audience.is_attending(found.id, actor.user_id)
        planned = None
        if actor.user_id == found.speaker_id or actor.is_moderator:
            # When and where someone is reminded is theirs: shown to the speaker and moderators only. The
            # audience's rows are counted, not listed: a talk may have thousands of attendees.
            rows = await self.talks.planned_messages(found.id)
            planned = [(r["kind"], from_ms(r["due_at_ms"]), r["target_type"]) for r in rows]
            audience_rows = await self.services.audience.planned(found.id)
        else:
            audience_rows = None
        t = i18n.translator(interaction.locale)
        status = await self.services.workflow.status(found, t) if own else []
        sections = await self.services.archive.sections(found, actor, t)
        # Feedback (issue 24 §1, §2): a past talk's votes and who came, to its speaker and moderators. A section like
        # the archive's: before the description's block quote (which runs to the end of the message), within the
        # reply's 2,000 characters.
        if extra := await self.services.feedback.talk_info(found, actor.user_id == found.speaker_id
                                                           or actor.is_moderator, t):
            sections.append(extra)
        content = info_text(found, planned, attendees=attendees, names=names, mine=mine, audience_rows=audience_rows,
                            sections=sections, t=t, status=status)
        seats = None
        if found.seat_limit is not None:
            seats = components.Seats(attendees, found.seat_limit, await self.services.audience.waiting(found.id))
            content += "\n" + await self.seats_line(found, t)
        # A talk that took place (over, even before the hourly housekeeping marks it done) offers no 🔔 Remind me;
        # nor does a sign-up still waiting for approval.
        if (found.state != "scheduled" or found.approval != "approved"
                or archive.is_past(found, self.services.clock.now())):
            await reply_ephemeral(interaction, content)
            return
        await interaction.response.send_message(
            content, view=view_of([components.remind_buttons(found.id, t, seats=seats)]), ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @schedule.subcommand(name="export", description="Download upcoming and recent talks as a calendar file (.ics)")
    async def export(self, interaction: Interaction) -> None:
        """An .ics file of the upcoming talks, and of those held in the last 30 days (with their links)."""
        talks, _ = await self.talks.upcoming(guild_id_of(interaction), limit=1000)
        # As the feeds keep them: the slides and recording are attached after the talk, and reach calendars so.
        held = await self.services.calendars.recently_held(guild_id_of(interaction))
        t = i18n.translator(interaction.locale)
        name = t._("{server} talks", server=interaction.guild.name) if interaction.guild else t._("Talks")
        data = build_calendar([*held, *talks], name=name, now=self.services.clock.now(), locale=interaction.locale)
        text = t.ngettext("{n} upcoming talk: open the file to add it to your calendar.",
                          "{n} upcoming talks: open the file to add them to your calendar.", len(talks))
        if held:
            text += "\n-# " + t.ngettext(
                "With {n} talk of the last {days} days, and its slides and recording if it has them.",
                "With {n} talks of the last {days} days, and their slides and recordings if they have them.",
                len(held), days=PAST_KEPT.days)
        await interaction.response.send_message(
            text,
            file=nextcord.File(io.BytesIO(data), filename="podium-talks.ics"),
            ephemeral=True,
        )

    @schedule.subcommand(name="past", description="Talks that took place, newest first: search by topic or speaker")
    async def past(
        self,
        interaction: Interaction,
        speaker: nextcord.Member | None = SlashOption(description="Only this speaker's talks", required=False),
        query: str | None = SlashOption(description="Words from the topic or the speaker's name", required=False,
                                        max_length=PAST_QUERY_MAX),
    ) -> None:
        """Past talks, paged; answered privately (a search is the member's own)."""
        words = " ".join((query or "").split())[:PAST_QUERY_MAX]
        embed, view = await self.past_page(guild_id_of(interaction), speaker.id if speaker else None, words, 0,
                                           i18n.translator(interaction.locale))
        if view is None:
            await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(embed=embed, view=view, ephemeral=True,
                                                    allowed_mentions=NO_MENTIONS)

    async def may_preview(self, interaction: Interaction, talk_id: int) -> None:
        """Refuse link previews to a member who may not embed links where the talk's links post goes.

        Refused rather than stored without previews: the reply names what they lack and nothing changes unasked;
        they can give the links again without `embed`. A previewed URL unfurls a page or image of their choosing,
        which Discord would not show from their own message there.
        """
        talk = await self.talks.get(guild_id_of(interaction), talk_id)
        if talk is None:
            return  # set_links says the talk can't be found
        guild = interaction.guild
        # The post goes to the talk's thread, else one made under the announcement channel (a thread has its
        # parent's permissions; an archived thread may not be cached, its parent is the announcement channel).
        place: nextcord.abc.GuildChannel | nextcord.Thread | None = None
        if guild is not None:
            place = guild.get_thread(talk.thread_id) if talk.thread_id else None
            if place is None:
                announce = (await load_guild(self.services.db, talk.guild_id)).announce_channel_id
                place = guild.get_channel(announce) if announce else None
        embed_links = {"embed_links": REQUIRED["embed_links"]}
        if place is not None:
            missing = caller_lacks(interaction, place, embed_links)
        else:  # nowhere known yet: their own right from their roles, server-wide
            missing = [] if guild_rights(interaction).embed_links else list(embed_links.values())
        if missing:
            raise TalkError(
                N_("You may not show link previews there (you're missing **{missing}**), so I won't make them for "
                   "you. Give the links without `embed`. Nothing was changed."),
                missing=names(missing),
            )

    @schedule.subcommand(name="links", description="Add slides and a recording to a talk (its speaker or moderators)")
    async def links(
        self,
        interaction: Interaction,
        talk: str = SlashOption(description="The talk, planned or done", autocomplete=True),
        slides: str | None = SlashOption(description="Link to the slides: https://… ('-' removes it)",
                                         required=False),
        recording: str | None = SlashOption(description="Link to the recording: https://… ('-' removes it)",
                                            required=False),
        embed: bool | None = SlashOption(description="Show link previews in the talk's thread (default: no)",
                                         required=False),
    ) -> None:
        """Set or clear the talk's links; the talk's thread gets (or has edited) its "📎 Slides and recording" post."""
        if embed:
            await self.may_preview(interaction, self.talk_id(talk))
        _, after = await self.talks.set_links(
            guild_id=guild_id_of(interaction), actor=await self.actor(interaction), talk_id=self.talk_id(talk),
            slides=slides, recording=recording, embed=embed,
        )
        t = i18n.translator(interaction.locale)
        lines = archive.link_lines(after, t)
        topic = quote_clipped(after.topic, 400)
        if lines:
            reply = [t._("📎 Links of {topic} saved:", topic=topic), *lines]
            # The post goes to the talk's thread, made under the announcement channel if need be: without either,
            # nowhere (and the reply does not promise it).
            if after.thread_id or (await load_guild(self.services.db, after.guild_id)).announce_channel_id:
                reply.append(t._("The talk's thread shows them (one post, edited when they change)."))
        else:
            reply = [t._("📎 {topic} has no links now.", topic=topic)]
        await reply_ephemeral(interaction, "\n".join(reply))

    @schedule.subcommand(name="stats", description="A speaker's talks and ratings (moderators)")
    async def stats(
        self,
        interaction: Interaction,
        speaker: nextcord.Member = SlashOption(description="The speaker"),
    ) -> None:
        """Talks given and planned, average rating, last talk: for moderators, privately."""
        record = await self.services.archive.speaker(guild_id_of(interaction), await self.actor(interaction),
                                                     speaker.id)
        await reply_ephemeral(interaction, archive.record_text(speaker.id, record,
                                                               i18n.translator(interaction.locale)))

    @schedule.subcommand(name="import", description="Make a talk of an event made in Discord's Events (moderators)")
    async def import_event(
        self,
        interaction: Interaction,
        event: str = SlashOption(description="The event (scheduled, not started)", autocomplete=True),
        speaker: nextcord.Member | None = SlashOption(
            description="The speaker (default: who created the event)", required=False
        ),
    ) -> None:
        """A scheduled event created by hand becomes a talk; its event id is stored with it."""
        actor = await self.actor(interaction)
        authorize(actor, "import")  # before any request; the service asks again
        guild_id = guild_id_of(interaction)
        if not event.strip().isdigit():
            raise EventsError(N_("Pick an event from the list that appears as you type. Example: "
                                 "`/schedule import event:Rust meetup`"))
        me = interaction.guild.me if interaction.guild is not None else None
        if me is not None and not me.guild_permissions.manage_events:
            raise EventsError(N_(
                "To keep an event made by someone else in step with its talk, my role needs **Manage Events**. "
                "Grant it in Server Settings → Roles, then try again. Nothing was changed."
            ))
        # Reading the event and its interested members may take a few requests: answer Discord first.
        await interaction.response.defer(ephemeral=True)
        guild = interaction.guild

        def name_of(user_id: int) -> str | None:
            # The speaker option arrives resolved; the event's creator only from nextcord's cache.
            member = speaker if speaker is not None and speaker.id == user_id else (
                guild.get_member(user_id) if guild is not None else None)
            return member.display_name if member is not None else None

        imported = await self.services.events.import_from_discord(
            self.services.transport, guild_id=guild_id, actor=actor, event_id=int(event),
            speaker_id=speaker.id if speaker else None, name_of=name_of,
        )
        talk, joined = imported.talk, imported.joined
        t = i18n.translator(interaction.locale)
        length = t._("from the event's end") if imported.duration_from_event else t._("the server's default length")
        await reply_ephemeral(
            interaction,
            t._("📥 {topic} is now talk #{id} by {speaker}, {when} ({minutes} min, {length}). Changes to the talk now "
                "update the event, and the event's changes the talk.", topic=quote_clipped(talk.topic, 400),
                id=talk.id, speaker=f"<@{talk.speaker_id}>", when=both_times(talk.starts_at),
                minutes=talk.duration_minutes, length=length)
            + " " + t.ngettext("{n} member who marked it Interested is reminded.",
                               "{n} members who marked it Interested are reminded.", joined),
        )

    @import_event.on_autocomplete("event")
    async def event_autocomplete(self, interaction: Interaction, event: str) -> None:
        """The guild's upcoming events that are not a talk yet (from nextcord's cache: no request per keystroke)."""
        guild = interaction.guild
        if guild is None:
            await interaction.response.send_autocomplete({})
            return
        taken = await self.services.events.mirrored_ids(guild.id)
        now, typed = self.services.clock.now(), (event or "").strip().lower()
        found = sorted(
            (e for e in guild.scheduled_events
             if e.id not in taken and e.start_time > now and typed in e.name.lower()),
            key=lambda e: e.start_time,
        )
        zone = await self.viewer_zone(interaction)
        t = i18n.translator(interaction.locale)
        await interaction.response.send_autocomplete(
            {f"{e.name[:70]} — {local_moment(e.start_time, zone, t)}"[:100]: str(e.id) for e in found[:25]}
        )

    @reschedule.on_autocomplete("talk")
    @edit.on_autocomplete("talk")
    @cancel.on_autocomplete("talk")
    async def talk_autocomplete(self, interaction: Interaction, talk: str) -> None:
        """The caller's own upcoming talks (all talks for moderators), matched on topic."""
        actor = await self.actor(interaction)
        found = await self.talks.search(
            guild_id_of(interaction), talk or "", speaker_id=None if actor.is_moderator else actor.user_id,
            viewer=actor,
        )
        await self.offer_talks(interaction, found)

    @info.on_autocomplete("talk")
    async def any_talk_autocomplete(self, interaction: Interaction, talk: str) -> None:
        """Every upcoming talk of the server, then the past ones (newest first), matched on topic: anyone may look.

        A sign-up waiting for approval only to its speaker and the moderators, as /schedule info itself.
        """
        guild_id = guild_id_of(interaction)
        found = await self.talks.search(guild_id, talk or "", speaker_id=None, viewer=await self.actor(interaction))
        if len(found) < components.SELECT_OPTIONS:
            past, _ = await self.services.archive.past(guild_id, query=talk or "",
                                                       limit=components.SELECT_OPTIONS - len(found))
            found += past
        await self.offer_talks(interaction, found)

    @links.on_autocomplete("talk")
    async def linkable_autocomplete(self, interaction: Interaction, talk: str) -> None:
        """The caller's own talks, planned or done, newest first (all talks for moderators), matched on topic."""
        actor = await self.actor(interaction)
        found = await self.services.archive.linkable(
            guild_id_of(interaction), talk or "", speaker_id=None if actor.is_moderator else actor.user_id
        )
        await self.offer_talks(interaction, found)

    async def viewer_zone(self, interaction: Interaction) -> str:
        """The zone plain-text times are shown in for this member: theirs, else the server's, else UTC."""
        db = self.services.db
        user = await load_user(db, user_id_of(interaction))
        guild = await load_guild(db, interaction.guild_id) if interaction.guild_id else None
        return effective_zone(user, guild)

    async def offer_talks(self, interaction: Interaction, talks: list[Talk]) -> None:
        """Talks as autocomplete choices, labelled in the member's own zone (else the server's)."""
        zone = await self.viewer_zone(interaction)
        t = i18n.translator(interaction.locale)
        await interaction.response.send_autocomplete(
            {choice_label(talk, zone, t): str(talk.id) for talk in talks[:25]}
        )

    @handles(LIST)
    async def on_list_page(self, interaction: Interaction, clicked: components.CustomId) -> None:
        """Previous/next buttons of /schedule list (stateless custom ids: they work after a restart)."""
        days, page = clicked.numbers
        # Another page is the presser's own (edited in place, or sent privately): in their language.
        embed, view = await self.list_page(guild_id_of(interaction), days, max(0, page),
                                           i18n.translator(interaction.locale), await self.viewer_zone(interaction))
        message = interaction.message
        if message is not None and message.flags.ephemeral:
            # The presser's own copy: turning its page disturbs nobody.
            await interaction.response.edit_message(embed=embed, view=view)
            return
        # A list posted in the channel stays as it is for everyone reading it: the presser gets the page privately.
        if view is None:
            await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(
                embed=embed, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS
            )

    @handles(PAST)
    async def on_past_page(self, interaction: Interaction, clicked: components.CustomId) -> None:
        """Previous/next of /schedule past: the presser's own private answer, turned in place."""
        speaker_id, page = clicked.numbers
        embed, view = await self.past_page(guild_id_of(interaction), speaker_id or None, clicked.tail[1:],
                                           max(0, page), i18n.translator(interaction.locale))
        await interaction.response.edit_message(embed=embed, view=view)


class ConfirmCancel(ConfirmView):
    """Confirm / keep buttons for /schedule cancel; only the person who asked can press them."""

    def __init__(self, cog: Schedule, talk: Talk, actor: Actor, reason: str | None) -> None:
        super().__init__(owner_id=actor.user_id, command_name="schedule cancel")
        self.cog, self.talk, self.actor, self.reason = cog, talk, actor, reason

    @nextcord.ui.button(label=N_("Cancel the talk"), style=nextcord.ButtonStyle.danger)
    async def confirm(self, button: nextcord.ui.Button, interaction: Interaction) -> None:
        """Cancel it now."""
        self.stop()
        t = i18n.translator(interaction.locale)
        # Rights are checked again at the click: a moderator role taken away meanwhile no longer counts.
        actor = await self.cog.actor(interaction)
        try:
            talk = await self.cog.talks.cancel(
                guild_id=self.talk.guild_id, actor=actor, talk_id=self.talk.id, reason=self.reason
            )
        except TalkError as exc:
            # Replace the question with the reason (the talk started, or was cancelled meanwhile).
            await interaction.response.edit_message(content=exc.text_for(t), view=None)
            return
        told = await who_is_told(self.cog.services.db, talk, actor)
        await interaction.response.edit_message(content=confirmation(t, "cancel", talk, told), view=None)

    @nextcord.ui.button(label=N_("Keep it"), style=nextcord.ButtonStyle.secondary)
    async def keep(self, button: nextcord.ui.Button, interaction: Interaction) -> None:
        """Change nothing."""
        self.stop()
        t = i18n.translator(interaction.locale)
        await interaction.response.edit_message(content=t._("Nothing changed: the talk stays scheduled."), view=None)
