"""What a kind or a feature declares is all the rest of Podium needs: labels, buttons, subscribers, settings."""

from __future__ import annotations

import pytest

from cogs.schedule import kind_label
from podium import i18n, kinds

SPECS = kinds.all_specs()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_every_kind_has_a_label_in_every_language(spec):
    assert spec.label, f"give {spec.name!r} a label=N_(...) on its KindSpec"
    assert kind_label(spec.name) == spec.label
    for language in i18n.languages():
        translated = kind_label(spec.name, i18n.translator(language))
        assert translated and (language == "en" or translated != spec.label), (spec.name, language)


def test_a_kind_no_longer_registered_is_shown_by_its_name():
    assert kind_label("old_kind_of_a_past_release") == "old kind of a past release"
