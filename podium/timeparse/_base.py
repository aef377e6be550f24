"""The public types and limits of podium.timeparse."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from podium.errors import UserError
from podium.i18n import N_

if TYPE_CHECKING:
    from podium.i18n import Translator

MAX_INPUT_CHARS = 100
# Example inputs are catalogue entries: a refusal gives a German member inputs the German reading understands
# (tests/podium/test_i18n.py reads each translation back).
# Translators: an example of a time a member can type; translate to one Podium reads in your language.
EXAMPLES: tuple[str, ...] = (N_("tomorrow 17:00"), N_("friday 18:30"), N_("in 2 hours"), N_("dec 3 7pm"),
                             N_("next monday 9am"))
# Translators: an example of reminder times before a talk; translate to one Podium reads in your language.
OFFSET_EXAMPLES: tuple[str, ...] = (N_("24h, 1h"), N_("2d 30m"), N_("1h30m, 10m"))
ZONE_EXAMPLES: tuple[str, ...] = ("Europe/Berlin", "America/New_York", "Asia/Kolkata")
MIN_OFFSET = timedelta(minutes=5)
MAX_OFFSET = timedelta(days=30)
MAX_OFFSETS = 5


class TimeInputError(UserError):
    """User input that cannot be used; str(exc) is a complete sentence for the user, with examples."""


@dataclass(frozen=True, slots=True)
class ParsedTime:
    """A parsed instant (aware UTC), the IANA zone it was read in, and the text it came from."""

    when: datetime
    zone: str
    text: str
    label: str = ""  # short, in `zone`: "Sat 15:30" within the coming week, else "Thu 3 Dec 18:00"
    # The label's wall time (in `zone`) and its Babel pattern, to write it in another language (`label_in`).
    local: datetime | None = field(default=None, compare=False)
    form: str = field(default="", compare=False)
    # The zone was written in the text ("3pm PST"): the reply says so instead of "the server's time zone".
    zone_typed: bool = field(default=False, compare=False)

    def label_in(self, t: Translator) -> str:
        """The label in the reader's language ("Sat 15:30" / "Sa. 15:30"); the English one if it has no form."""
        return t.moment(self.local, self.form) if self.local is not None and self.form else self.label


class AmbiguousTimeError(TimeInputError):
    """Two to four readings are plausible: ask which one. str(exc) names them, for callers that only show text."""

    def __init__(self, message: str, readings: tuple[ParsedTime, ...], /, **params: object) -> None:
        super().__init__(message, **params)
        self.readings = readings
