"""Review of issue 22 (§5, the fake's clock) by r22b, through the real bot: a talk thread that Discord archived for
inactivity (auto_archive_duration, 7 days for Podium's threads) is not "closed": Podium's post in it must still be
kept true when the talk moves.
"""

from podium.posts import EDIT_HOLD
from tests.e2e.commands import add_talk, edited, iso_in, run
from tests.e2e.dbcheck import query
from tests.fake_discord import GENERAL_CHANNEL_ID, MODERATOR_ID
from tests.waiting import eventually


async def test_the_thread_post_is_corrected_after_the_thread_auto_archived(fake, clocked_bot):
    """Public posts are kept true. A talk 10 days out: its thread (auto_archive_duration 7 days) archives itself
    before the talk. A move then edits the 🧵 post; Discord refuses edits in an archived thread (50083) and
    posts.py takes that as "the thread is closed, nothing to correct" (ActionSkipped), so the post keeps the old
    time. The bot created the thread and may reopen it (as it already does for thread members) and edit.
    """
    bot = clocked_bot
    await run(fake, "announce-settings", "channel", MODERATOR_ID, channel=GENERAL_CHANNEL_ID)
    await run(fake, "announce-settings", "new-talks", MODERATOR_ID, enabled=True)
    talk = await add_talk(fake, bot, 10 * 86400, topic="Intro to Rust")
    opened = await fake.wait_for_message(lambda m: m.channel_id in fake.threads and m.content.startswith("🧵"))
    old = f"<t:{talk['starts_at_ms'] // 1000}:"
    assert old in str(opened.content) + str(opened.embeds)
    fake.archive_thread(opened.channel_id)  # what Discord's clock does 7 idle days later

    await run(fake, "schedule", "reschedule", MODERATOR_ID, talk=str(talk["id"]), when=iso_in(10 * 86400 + 3600))
    [moved] = query(bot.db_path, "SELECT starts_at_ms FROM talks")
    bot.advance_clock(EDIT_HOLD.total_seconds())
    # The first PATCH of the 🧵 post is the update (50083 while the thread stays archived); the row's outcome is final.
    await fake.wait_for_request(lambda r: r.method == "PATCH" and r.path.endswith(f"/messages/{opened.id}"),
                                timeout=20)
    await eventually(lambda: not query(bot.db_path, "SELECT id FROM outbox WHERE kind = 'post_update'"
                                       " AND state IN ('pending', 'sending')"), what="the post updates settled",
                     fake=fake)
    skipped = query(bot.db_path, "SELECT id, state, last_error FROM outbox WHERE kind = 'post_update'"
                    " AND channel_id = ?", opened.channel_id)
    assert opened.edits, f"the 🧵 post still shows the old time; its update: {skipped}"
    body = await edited(fake, opened, 1)
    assert f"<t:{moved['starts_at_ms'] // 1000}:" in str(body)
