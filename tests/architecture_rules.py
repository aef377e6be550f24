"""Rules the architecture tests hold the code to, shared with the tests that check those tests."""

# What the delivery engine may import besides itself and db/: the foundations every feature uses too. A feature
# module (talks, audience, posts, weekly, starting, scheduled_events, people, …) registers into the engine instead,
# so a new one is never missing here: anything not listed fails.
DELIVERY_MAY_IMPORT = {
    "podium.clock", "podium.consent", "podium.errors", "podium.i18n", "podium.keyed_lock", "podium.markup",
    "podium.metrics", "podium.preferences", "podium.privacy", "podium.talk_model",
}
