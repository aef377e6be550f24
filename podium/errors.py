"""The one error type for user mistakes: raised by the domain, turned into an ephemeral reply in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from podium.i18n import Translator


class UserError(ValueError):
    """A refused request; `str(exc)` is a complete sentence for the person, with a valid example.

    Handlers do not catch it: the bot's one application-command error handler replies with it (privately) and
    counts the command as "refused", not "failed". Nothing was stored when it is raised.

    The message is the catalogue's English msgid (marked with `i18n.N_`) and its `{placeholders}` come as keyword
    arguments, so the reply is translated for whoever reads it (`text_for`); `str(exc)` is the English sentence.
    """

    def __init__(self, message: str, /, **params: object) -> None:
        super().__init__(message.format(**params) if params else message)
        self.message = message
        self.params = params

    def text_for(self, t: Translator) -> str:
        """The sentence in the reader's language (text not in the catalogue stays as it was written)."""
        return t._(self.message, **self.params)
