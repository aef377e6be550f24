"""Discord side of series (domain side: podium/series.py): /series create | list | edit | skip | end.

Thin: parse the options, call SeriesService, reply privately in the member's language.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import nextcord
from nextcord import Interaction, SlashOption
from nextcord.ext import commands

from cogs._replies import guild_id_of, is_moderator, reply_ephemeral, user_id_of
from cogs.announce_settings import CALLER_POSTS, POSTABLE, REQUIRED, caller_lacks, missing_permissions, names
from podium import i18n
from podium.errors import UserError
from podium.i18n import N_, Translator
from podium.markup import discord_time, fit_lines, inert, quote_clipped
from podium.preferences import load_guild
from podium.series import Overview, Series, SeriesService
from podium.services import Services
from podium.talks import Actor
from podium.zones import local_moment

CONTENT_LIMIT = 2000


def summary(series: Series, t: Translator) -> str:
    """"**Rust Thursdays**: every Thursday at 19:00 (Europe/Berlin), 2 slots of 30 min, until 30 June 2027, …"."""
    slots = t.ngettext("{n} slot of {minutes} min", "{n} slots of {minutes} min", series.slots,
                       minutes=series.slot_minutes)
    text = t._("**{name}**: {rule} ({zone}), {slots}", name=inert(series.name), rule=series.rule_text().render(t),
               zone=series.timezone, slots=slots)
    # Whatever a moderator set is shown back (the edit's reply, /series list): the last date and the seat limit too.
    if series.until is not None:
        # A calendar date of the series (the end of that day in its zone), named in its zone just before.
        last = series.until.astimezone(ZoneInfo(series.timezone)).date()
        text += ", " + t._("until {date}", date=t.date(last))
    if series.seat_limit is not None:
        text += ", " + t.ngettext("{n} seat per talk", "{n} seats per talk", series.seat_limit)
    return text


def overview_line(item: Overview, t: Translator) -> str:
    """One series in /series list: its rule, its next evening and how many of that evening's slots are open."""
    line = summary(item.series, t)
    if item.next_evening is None:
        return line + " · " + t._("no evening planned")
    return line + " · " + t._("next: {when}, {open} of {slots} open", when=discord_time(item.next_evening.starts_at),
                              open=item.open_slots, slots=item.series.slots)


class SeriesCog(commands.Cog):
    """/series create | list | edit | skip | end."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.series: SeriesService = services.series

    async def actor(self, interaction: Interaction) -> Actor:
        """Who is acting, with the server-wide moderator rights every Podium change is judged by."""
        return Actor(user_id_of(interaction), is_moderator=await is_moderator(interaction, self.services))

    @staticmethod
    def postable(interaction: Interaction, channel: nextcord.abc.GuildChannel | None) -> int | None:
        """The channel's id once Podium and the member choosing it may post there (else a refusal naming what lacks).

        The series is presented there with its 🎤 button for as long as it runs: a moderator (Manage Server is not
        Manage Channels) must not have Podium post where they themselves may not.
        """
        if channel is None:
            return None
        theirs = caller_lacks(interaction, channel, CALLER_POSTS)
        if theirs:
            raise UserError(
                N_("You can't post in {channel} (you're missing **{missing}** there), so I won't present the series "
                   "there for you. Pick a channel you can post in. Nothing was changed."),
                channel=channel.mention, missing=names(theirs),
            )
        me = channel.guild.me
        missing = missing_permissions(channel.permissions_for(me)) if me else list(REQUIRED.values())
        if missing:
            raise UserError(
                N_("I can't use {channel}: I'm missing **{missing}** there. "
                   "Grant them to my role in the channel's settings, then try again. Nothing was changed."),
                channel=channel.mention, missing=names(missing),
            )
        return channel.id

    @nextcord.slash_command(
        name="series",
        description="Recurring talk nights with slots to claim",
        contexts=[nextcord.InteractionContextType.guild],
    )
    async def series_cmd(self, interaction: Interaction) -> None:
        """Parent of the /series subcommands."""

    @series_cmd.subcommand(name="create", description="Start a recurring talk night (moderators)")
    async def create(
        self,
        interaction: Interaction,
        name: str = SlashOption(description="Its name, e.g. 'Rust Thursdays'", min_length=1, max_length=100),
        every: str = SlashOption(
            description="When, in the server's time zone: e.g. 'thursday 19:00', 'every other tuesday 18:30'",
            min_length=1, max_length=100,
        ),
        slots: int = SlashOption(description="Talks per evening (1-10)", required=False, default=1, min_value=1,
                                 max_value=10),
        slot_minutes: int | None = SlashOption(
            name="slot-minutes", description="Minutes per talk (5-240); default: the server's talk length",
            required=False, min_value=5, max_value=240,
        ),
        until: str | None = SlashOption(description="Last date, e.g. 2027-06-30 (default: no end)", required=False,
                                        max_length=40),
        channel: nextcord.abc.GuildChannel | None = SlashOption(
            description="Where it is presented (default: the announcement channel)", required=False,
            channel_types=POSTABLE,
        ),
        seats: int | None = SlashOption(description="Seats per talk, for workshops (1-10000)", required=False,
                                        min_value=1, max_value=10000),
    ) -> None:
        """Make a series; its evenings are planned 8 weeks ahead and it is presented in its channel."""
        created = await self.series.create(
            guild_id=guild_id_of(interaction), actor=await self.actor(interaction), name=name, every=every,
            slots=slots, slot_minutes=slot_minutes, until=until, channel_id=self.postable(interaction, channel),
            seats=seats, locale=interaction.locale,
        )
        t = i18n.translator(interaction.locale)
        [item] = [found for found in await self.series.overview(created.guild_id) if found.series.id == created.id]
        # A series without its own channel is presented in the announcement channel (create checked it is set).
        announce = (await load_guild(self.services.db, created.guild_id)).announce_channel_id
        where = f"<#{created.channel_id or announce}>"
        await reply_ephemeral(interaction, "\n".join([
            t._("✅ Series created: {summary}.", summary=summary(created, t)),
            t._("Next evening: {when}. Evenings are planned 8 weeks ahead; it is presented in {channel}.",
                when=discord_time(item.next_evening.starts_at) if item.next_evening else "—", channel=where),
        ]))

    @series_cmd.subcommand(name="list", description="The server's recurring talk nights")
    async def list_(self, interaction: Interaction) -> None:
        """Every active series: its rule in words, its next evening and that evening's open slots."""
        t = i18n.translator(interaction.locale)
        found = await self.series.overview(guild_id_of(interaction))
        if not found:
            await reply_ephemeral(interaction, t._("No series yet. Moderators start one with `/series create`."))
            return
        lines, _ = fit_lines([overview_line(item, t) for item in found], CONTENT_LIMIT - 60,
                             more=t._("… and {n} more"))
        await reply_ephemeral(interaction, t._("Series ({n}):", n=len(found)) + "\n" + lines)

    @series_cmd.subcommand(name="edit", description="Change a series; future evenings are re-planned (moderators)")
    async def edit(
        self,
        interaction: Interaction,
        series: str = SlashOption(description="The series", autocomplete=True, max_length=100),
        every: str | None = SlashOption(description="A new rule, e.g. 'thursday 19:30'", required=False,
                                        max_length=100),
        slots: int | None = SlashOption(description="Talks per evening (1-10)", required=False, min_value=1,
                                        max_value=10),
        slot_minutes: int | None = SlashOption(name="slot-minutes", description="Minutes per talk (5-240)",
                                               required=False, min_value=5, max_value=240),
        until: str | None = SlashOption(description="Last date, e.g. 2027-06-30 ('-' removes it)", required=False,
                                        max_length=40),
        channel: nextcord.abc.GuildChannel | None = SlashOption(description="Where it is presented", required=False,
                                                                channel_types=POSTABLE),
        name: str | None = SlashOption(description="A new name", required=False, min_length=1, max_length=100),
        seats: int | None = SlashOption(description="Seats per talk (0 removes the limit)", required=False,
                                        min_value=0, max_value=10000),
    ) -> None:
        """Change a series: future evenings follow; claimed talks move with the usual notices."""
        guild_id = guild_id_of(interaction)
        found = await self.series.find(guild_id, series)
        edited = await self.series.edit(
            guild_id=guild_id, actor=await self.actor(interaction), series_id=found.id, name=name, every=every,
            slots=slots, slot_minutes=slot_minutes, until=until, channel_id=self.postable(interaction, channel),
            seats=seats, locale=interaction.locale,
        )
        t = i18n.translator(interaction.locale)
        followed = edited.followed
        lines = [t._("✏️ Series changed: {summary}. Future evenings were planned again.",
                     summary=summary(edited.series, t))]
        if followed.moved:
            lines.append(t.ngettext("{n} claimed talk moved with its evening; its speaker and audience are told.",
                                    "{n} claimed talks moved with their evening; their speakers and audiences are "
                                    "told.", followed.moved))
        if followed.stuck:
            topics = t.join([quote_clipped(talk.topic, 80) for talk in followed.stuck[:5]])
            lines.append(t.ngettext(
                "{n} claimed talk could not move, another talk being at its new time: {topics}. Move it with "
                "`/schedule reschedule` or cancel it.",
                "{n} claimed talks could not move, other talks being at their new times: {topics}. Move them with "
                "`/schedule reschedule` or cancel them.", len(followed.stuck), topics=topics))
        await reply_ephemeral(interaction, "\n".join(lines))

    @series_cmd.subcommand(name="skip", description="Skip one evening, e.g. a holiday (moderators)")
    async def skip(
        self,
        interaction: Interaction,
        series: str = SlashOption(description="The series", autocomplete=True, max_length=100),
        date: str = SlashOption(description="The evening, e.g. 2027-01-14", autocomplete=True, max_length=40),
        reason: str | None = SlashOption(description="Why, told to the speakers and audience", required=False,
                                         max_length=300),
    ) -> None:
        """Skip an evening: it can't be claimed; its claimed talks are cancelled with the reason."""
        guild_id = guild_id_of(interaction)
        found = await self.series.find(guild_id, series)
        skipped = await self.series.skip(guild_id=guild_id, actor=await self.actor(interaction), series_id=found.id,
                                         day=date, reason=reason)
        t = i18n.translator(interaction.locale)
        text = t._("⏭️ The evening of {when} of **{name}** is skipped.",
                   when=discord_time(skipped.evening.starts_at), name=inert(found.name))
        if skipped.cancelled:
            text += " " + t.ngettext(
                "{n} claimed talk was cancelled; its speaker and audience are told.",
                "{n} claimed talks were cancelled; their speakers and audiences are told.", skipped.cancelled)
        await reply_ephemeral(interaction, text)

    @series_cmd.subcommand(name="end", description="End a series: no more evenings (moderators)")
    async def end(
        self,
        interaction: Interaction,
        series: str = SlashOption(description="The series", autocomplete=True, max_length=100),
    ) -> None:
        """End a series; talks already claimed stay."""
        guild_id = guild_id_of(interaction)
        found = await self.series.find(guild_id, series)
        ended = await self.series.end(guild_id=guild_id, actor=await self.actor(interaction), series_id=found.id)
        t = i18n.translator(interaction.locale)
        await reply_ephemeral(interaction, t._(
            "🏁 Series **{name}** ended: no more evenings. Talks already claimed stay; cancel one with "
            "`/schedule cancel` if it should not take place.", name=inert(ended.name)))

    @edit.on_autocomplete("series")
    @skip.on_autocomplete("series")
    @end.on_autocomplete("series")
    async def series_autocomplete(self, interaction: Interaction, series: str) -> None:
        """The server's active series, matched on name."""
        found = await self.series.named(guild_id_of(interaction), series or "")
        await interaction.response.send_autocomplete({item.name[:100]: str(item.id) for item in found})

    @skip.on_autocomplete("date")
    async def date_autocomplete(self, interaction: Interaction, date: str, series: str | None = None) -> None:
        """The chosen series' next evenings, in the series' zone (plain text: no `<t:…>` in a choice)."""
        try:
            found = await self.series.find(guild_id_of(interaction), series or "")
        except UserError:
            await interaction.response.send_autocomplete({})
            return
        t = i18n.translator(interaction.locale)
        typed = (date or "").strip().lower()
        choices = {}
        for evening in await self.series.upcoming_evenings(found.id):
            label = local_moment(evening.starts_at, found.timezone, t)
            if evening.state == "skipped":
                label = t._("{when} (skipped)", when=label)
            if typed in label.lower():
                choices[label[:100]] = str(evening.id)
        await interaction.response.send_autocomplete(choices)
