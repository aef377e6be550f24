"""The one error type for user mistakes: raised by the domain, turned into an ephemeral reply in one place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from podium.i18n import Translator


@dataclass(frozen=True, slots=True)
class Text:
    """Text translated where it is shown: a catalogue msgid and its `{placeholder}` values (which may be Text too)."""

    message: str
    params: Mapping[str, object] = field(default_factory=dict)

    def render(self, t: Translator | None = None) -> str:
        """The text in the reader's language (None: the English msgid itself), values filled in."""
        values = {key: value.render(t) if isinstance(value, Text) else value for key, value in self.params.items()}
        template = t._(self.message) if t is not None else self.message
        return template.format(**values) if values else template

    def __str__(self) -> str:
        return self.render()


class UserError(ValueError):
    """A refused request; `str(exc)` is a complete sentence for the person, with a valid example.

    Handlers do not catch it: the bot's one application-command error handler replies with it (privately) and
    counts the command as "refused", not "failed". Nothing was stored when it is raised.

    The message is the catalogue's English msgid (marked with `i18n.N_`) and its `{placeholders}` come as keyword
    arguments, so the reply is translated for whoever reads it (`text_for`); `str(exc)` is the English sentence.
    """

    def __init__(self, message: str, /, **params: object) -> None:
        self.sentences: list[Text] = [Text(message, params)]
        super().__init__(self._english())

    @property
    def message(self) -> str:
        """The first sentence's msgid."""
        return self.sentences[0].message

    @property
    def params(self) -> Mapping[str, object]:
        """The first sentence's values."""
        return self.sentences[0].params

    def _english(self) -> str:
        return " ".join(sentence.render() for sentence in self.sentences)

    def then(self, message: str, /, **params: object) -> Self:
        """Add a sentence (a suggestion after the problem); the error itself, for `raise ….then(…)`."""
        self.sentences.append(Text(message, params))
        self.args = (self._english(),)
        return self

    def text_for(self, t: Translator) -> str:
        """The sentences in the reader's language (text not in the catalogue stays as it was written)."""
        return " ".join(sentence.render(t) for sentence in self.sentences)
