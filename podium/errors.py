"""The one error type for user mistakes: raised by the domain, turned into an ephemeral reply in one place."""

from __future__ import annotations


class UserError(ValueError):
    """A refused request; `str(exc)` is a complete sentence for the person, with a valid example.

    Handlers do not catch it: the bot's one application-command error handler replies with it (privately) and
    counts the command as "refused", not "failed". Nothing was stored when it is raised.
    """
