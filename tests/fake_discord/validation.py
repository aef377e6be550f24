"""Discord's form rules: messages, embeds, components, modals and commands checked against Discord's limits."""

from __future__ import annotations

import collections
import json
from collections.abc import Callable, Iterator
from typing import Any

from tests.fake_discord.constants import (
    DISCORD_LOCALES,
    IS_COMPONENTS_V2_FLAG,
)
from tests.fake_discord.models import (
    _COMMAND_NAME,
    DiscordHTTPError,
)


def _form_error(path: list[str | int], code: str, message: str) -> DiscordHTTPError:
    """400 Invalid Form Body with Discord's nested ``errors`` object at ``path``."""
    errors: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for key in reversed(path):
        errors = {str(key): errors}
    return DiscordHTTPError(400, 50035, "Invalid Form Body", errors)


# --- Discord's form rules (payload validation) ------------------------------------------------------------
# Limits from docs.discord.com: resources/message#embed-limits, components/reference, interactions/
# receiving-and-responding#interaction-response-object-modal, interactions/application-commands; where the docs are
# silent, from Discord's OpenAPI spec (discord/discord-api-spec, specs/openapi.json). Error codes follow what Discord
# answers (BASE_TYPE_*, COMPONENT_*); tests should rely on the status, 50035 and the error path.

Path = list[str | int]


def _length_error(path: Path, low: int, high: int) -> DiscordHTTPError:
    if low > 0:
        return _form_error(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")
    return _form_error(path, "BASE_TYPE_MAX_LENGTH", f"Must be {high} or fewer in length.")


def _check_str(value: Any, path: Path, high: int, *, low: int = 0, required: bool = False) -> None:
    """A string field of ``low``..``high`` characters (None/absent allowed unless required)."""
    if value is None:
        if required:
            raise _form_error(path, "BASE_TYPE_REQUIRED", "This field is required")
        return
    if not isinstance(value, str):
        raise _form_error(path, "BASE_TYPE_BAD_TYPE", "Must be a string.")
    if not low <= len(value) <= high:
        raise _length_error(path, low, high)


def _check_int(value: Any, path: Path, low: int, high: int) -> None:
    """An optional integer field within ``low``..``high``."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise _form_error(path, "NUMBER_TYPE_COERCE", f"Value \"{value}\" is not int.")
    if value < low:
        raise _form_error(path, "NUMBER_TYPE_MIN", f"int value should be greater than or equal to {low}.")
    if value > high:
        raise _form_error(path, "NUMBER_TYPE_MAX", f"int value should be less than or equal to {high}.")


def _check_list(value: Any, path: Path, high: int, *, low: int = 0) -> list[Any]:
    if value is None:
        value = []
    if not isinstance(value, list):
        raise _form_error(path, "BASE_TYPE_BAD_TYPE", "Must be an array.")
    if len(value) > high:
        raise _form_error(path, "BASE_TYPE_MAX_LENGTH", f"Must be {high} or fewer in length.")
    if len(value) < low:
        raise _form_error(path, "BASE_TYPE_MIN_LENGTH", f"Must be {low} or more in length.")
    return value


def _validate_embeds(embeds: Any, path: Path) -> None:
    """Embed limits; lengths are counted after trimming whitespace, as Discord does, and the 6,000 total spans
    title, description, field names and values, footer text and author name of ALL embeds of the message.
    """
    embeds = _check_list(embeds, path, 10)
    total = 0
    for index, embed in enumerate(embeds):
        here = [*path, index]
        if not isinstance(embed, dict):
            raise _form_error(here, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")

        def text(value: Any, where: Path, limit: int, *, required: bool = False) -> int:
            if value is None or (isinstance(value, str) and not value.strip() and not required):
                if required:
                    raise _form_error(where, "BASE_TYPE_REQUIRED", "This field is required")
                return 0
            if not isinstance(value, str):
                raise _form_error(where, "BASE_TYPE_BAD_TYPE", "Must be a string.")
            stripped = value.strip()
            if required and not stripped:
                raise _form_error(where, "BASE_TYPE_REQUIRED", "This field is required")
            if len(stripped) > limit:
                raise _form_error(where, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
            return len(stripped)

        total += text(embed.get("title"), [*here, "title"], 256)
        total += text(embed.get("description"), [*here, "description"], 4096)
        for number, item in enumerate(_check_list(embed.get("fields"), [*here, "fields"], 25)):
            total += text(item.get("name"), [*here, "fields", number, "name"], 256, required=True)
            total += text(item.get("value"), [*here, "fields", number, "value"], 1024, required=True)
        if (footer := embed.get("footer")) is not None:
            total += text(footer.get("text"), [*here, "footer", "text"], 2048, required=True)
        if (author := embed.get("author")) is not None:
            total += text(author.get("name"), [*here, "author", "name"], 256, required=True)
    if total > 6000:
        raise _form_error(path, "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")


_SELECT_TYPES = frozenset({3, 5, 6, 7, 8})  # string, user, role, mentionable, channel
_V2_MESSAGE_TYPES = frozenset({1, 9, 10, 12, 13, 14, 17})  # top level of an IS_COMPONENTS_V2 message
_LABEL_CHILD_TYPES = frozenset({3, 4, 5, 6, 7, 8, 19, 21, 22, 23})


def _check_emoji(emoji: Any, path: Path) -> None:
    """A partial emoji: a custom one by snowflake ``id``, or a Unicode one by ``name`` (plain text is refused)."""
    if emoji is None:
        return
    if not isinstance(emoji, dict):
        raise _form_error(path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
    emoji_id, name = emoji.get("id"), emoji.get("name")
    if emoji_id is not None:
        if not str(emoji_id).isdigit():
            raise _form_error([*path, "id"], "NUMBER_TYPE_COERCE", f"Value \"{emoji_id}\" is not snowflake.")
        return
    if not isinstance(name, str) or not name or name.isascii():
        raise _form_error([*path, "name"], "BUTTON_COMPONENT_INVALID_EMOJI", "Invalid emoji")


class _ComponentChecker:
    """Validates one message's or modal's components; ``custom_id`` must be unique across all of them."""

    def __init__(self, *, modal: bool) -> None:
        self.modal = modal
        self.custom_ids: set[str] = set()
        self.count = 0

    def custom_id(self, component: dict[str, Any], path: Path) -> None:
        value = component.get("custom_id")
        _check_str(value, [*path, "custom_id"], 100, low=1, required=True)
        if value in self.custom_ids:
            raise _form_error([*path, "custom_id"], "COMPONENT_CUSTOM_ID_DUPLICATED",
                              "Component custom id cannot be duplicated")
        assert isinstance(value, str)  # _check_str refused anything else
        self.custom_ids.add(value)

    def component(self, component: Any, path: Path, allowed: frozenset[int]) -> None:
        if not isinstance(component, dict):
            raise _form_error(path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        self.count += 1
        kind = component.get("type")
        if kind not in allowed:
            raise _form_error([*path, "type"], "UNION_TYPE_CHOICES",
                              f"Value of field \"type\" must be one of {tuple(sorted(allowed))}.")
        if kind == 1:
            self.action_row(component, path)
        elif kind == 2:
            self.button(component, path)
        elif kind in _SELECT_TYPES:
            self.select(component, path)
        elif kind == 4:
            self.text_input(component, path, labelled=False)
        elif kind == 18:
            _check_str(component.get("label"), [*path, "label"], 45, low=1, required=True)
            _check_str(component.get("description"), [*path, "description"], 100, low=1)
            child = component.get("component")
            if child is None:
                raise _form_error([*path, "component"], "BASE_TYPE_REQUIRED", "This field is required")
            if isinstance(child, dict) and child.get("type") == 4:
                self.count += 1
                self.text_input(child, [*path, "component"], labelled=True)
            else:
                self.component(child, [*path, "component"], _LABEL_CHILD_TYPES - {4})
        elif kind == 10:
            _check_str(component.get("content"), [*path, "content"], 4000, low=1, required=True)
        elif kind == 9:  # section: 1-3 text displays and an accessory (button or thumbnail)
            for index, child in enumerate(_check_list(component.get("components"), [*path, "components"], 3, low=1)):
                self.component(child, [*path, "components", index], frozenset({10}))
            self.component(component.get("accessory"), [*path, "accessory"], frozenset({2, 11}))
        elif kind == 17:  # container
            for index, child in enumerate(_check_list(component.get("components"), [*path, "components"], 40,
                                                      low=1)):
                self.component(child, [*path, "components", index], frozenset({1, 9, 10, 12, 13, 14}))

    def action_row(self, row: dict[str, Any], path: Path) -> None:
        here = [*path, "components"]
        children = _check_list(row.get("components"), here, 5, low=1)
        if self.modal:
            # A modal row holds exactly one text input (rows in modals are deprecated in favour of Label).
            if len(children) != 1:
                raise _form_error(here, "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                                  "The specified component exceeds the maximum width")
            self.component(children[0], [*here, 0], frozenset({4}))
            return
        kinds = [c.get("type") if isinstance(c, dict) else None for c in children]
        if any(k in _SELECT_TYPES for k in kinds) and len(children) > 1:
            # Up to 5 buttons, or one select alone (components/reference#action-row).
            raise _form_error(here, "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                              "The specified component exceeds the maximum width")
        for index, child in enumerate(children):
            self.component(child, [*here, index], frozenset({2}) | _SELECT_TYPES)

    def button(self, button: dict[str, Any], path: Path) -> None:
        if self.modal:
            raise _form_error([*path, "type"], "UNION_TYPE_CHOICES", "Buttons cannot be used in modals.")
        style = button.get("style")
        if style not in (1, 2, 3, 4, 5, 6):
            raise _form_error([*path, "style"], "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3, 4, 5, 6).")
        _check_str(button.get("label"), [*path, "label"], 80)
        _check_emoji(button.get("emoji"), [*path, "emoji"])
        if style != 6 and not button.get("label") and button.get("emoji") is None:
            # A button with neither shows nothing to click (components/reference#button: "label or emoji").
            raise _form_error([*path, "label"], "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED",
                              "A button must have a label or an emoji.")
        if style == 5:  # link: url, no custom_id
            _check_str(button.get("url"), [*path, "url"], 512, low=1, required=True)
            if not str(button["url"]).startswith(("http://", "https://", "discord://")):
                raise _form_error([*path, "url"], "URL_TYPE_INVALID_SCHEME",
                                  "Scheme must be one of ('http', 'https', 'discord').")
            forbidden: tuple[str, ...] = ("custom_id", "sku_id")
        elif style == 6:  # premium: sku_id only
            if button.get("sku_id") is None:
                raise _form_error([*path, "sku_id"], "BASE_TYPE_REQUIRED", "This field is required")
            forbidden = ("custom_id", "label", "url", "emoji")
        else:
            self.custom_id(button, path)
            forbidden = ("url", "sku_id")
        for key in forbidden:
            if button.get(key) is not None:
                raise _form_error([*path, key], "BUTTON_COMPONENT_INVALID_FIELD",
                                  f"A button of style {style} cannot have a {key}.")

    def select(self, select: dict[str, Any], path: Path) -> None:
        self.custom_id(select, path)
        _check_str(select.get("placeholder"), [*path, "placeholder"], 150)
        min_values, max_values = select.get("min_values"), select.get("max_values")
        _check_int(min_values, [*path, "min_values"], 0, 25)
        _check_int(max_values, [*path, "max_values"], 1, 25)
        low = 1 if min_values is None else min_values
        high = 1 if max_values is None else max_values
        if low > high:
            raise _form_error([*path, "min_values"], "SELECT_COMPONENT_MIN_VALUES_GREATER_THAN_MAX",
                              "min_values must be less than or equal to max_values.")
        if self.modal and select.get("disabled"):
            raise _form_error([*path, "disabled"], "COMPONENT_DISABLED_IN_MODAL",
                              "Modals can not have disabled components.")
        if select.get("type") == 3:
            options = _check_list(select.get("options"), [*path, "options"], 25, low=1)
            values: set[str] = set()
            for index, option in enumerate(options):
                here = [*path, "options", index]
                _check_str(option.get("label"), [*here, "label"], 100, low=1, required=True)
                _check_str(option.get("value"), [*here, "value"], 100, low=1, required=True)
                _check_str(option.get("description"), [*here, "description"], 100)
                _check_emoji(option.get("emoji"), [*here, "emoji"])
                if option["value"] in values:
                    raise _form_error([*here, "value"], "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                                      "Select component option values must be unique.")
                values.add(option["value"])
            if high > len(options):
                raise _form_error([*path, "max_values"], "NUMBER_TYPE_MAX",
                                  f"int value should be less than or equal to {len(options)}.")
            if sum(1 for option in options if option.get("default")) > high:
                raise _form_error([*path, "options"], "SELECT_COMPONENT_TOO_MANY_DEFAULT_VALUES",
                                  f"At most {high} options can be selected by default.")
        else:
            defaults = select.get("default_values")
            if defaults is not None and not low <= len(defaults) <= high:
                raise _form_error([*path, "default_values"], "BASE_TYPE_BAD_LENGTH",
                                  f"Must be between {low} and {high} in length.")

    def text_input(self, text_input: dict[str, Any], path: Path, *, labelled: bool) -> None:
        if not self.modal:
            raise _form_error([*path, "type"], "UNION_TYPE_CHOICES", "Text inputs can only be used in modals.")
        self.custom_id(text_input, path)
        if text_input.get("style") not in (1, 2):
            raise _form_error([*path, "style"], "BASE_TYPE_CHOICES", "Value must be one of (1, 2).")
        _check_str(text_input.get("label"), [*path, "label"], 45, low=1, required=not labelled)
        _check_str(text_input.get("value"), [*path, "value"], 4000)
        _check_str(text_input.get("placeholder"), [*path, "placeholder"], 100)
        _check_int(text_input.get("min_length"), [*path, "min_length"], 0, 4000)
        _check_int(text_input.get("max_length"), [*path, "max_length"], 1, 4000)
        low, high = text_input.get("min_length"), text_input.get("max_length")
        if low is not None and high is not None and low > high:
            raise _form_error([*path, "min_length"], "TEXT_INPUT_MIN_GREATER_THAN_MAX",
                              "min_length must be less than or equal to max_length.")
        if (required := text_input.get("required")) is not None and not isinstance(required, bool):
            raise _form_error([*path, "required"], "BASE_TYPE_BAD_TYPE", "Must be either true or false.")
        value = text_input.get("value")
        if value and high is not None and len(value) > high:
            # A pre-filled value the member could not submit unchanged is refused with the form.
            raise _length_error([*path, "value"], low or 0, high)


def _validate_message_components(components: Any, path: Path, flags: int) -> None:
    """Components of a message: at most 5 action rows (legacy), or 40 components with IS_COMPONENTS_V2."""
    checker = _ComponentChecker(modal=False)
    if flags & IS_COMPONENTS_V2_FLAG:
        for index, component in enumerate(_check_list(components, path, 40)):
            checker.component(component, [*path, index], _V2_MESSAGE_TYPES)
        if checker.count > 40:
            raise _form_error(path, "BASE_TYPE_MAX_LENGTH", "Must be 40 or fewer in length.")
        return
    for index, row in enumerate(_check_list(components, path, 5)):
        checker.component(row, [*path, index], frozenset({1}))


def _validate_modal(data: Any, path: Path) -> None:
    """Modal callback data: custom_id 1-100, title 1-45, 1-5 components (receiving-and-responding#modal)."""
    if not isinstance(data, dict):
        raise _form_error(path, "BASE_TYPE_REQUIRED", "This field is required")
    _check_str(data.get("custom_id"), [*path, "custom_id"], 100, low=1, required=True)
    _check_str(data.get("title"), [*path, "title"], 45, low=1, required=True)
    checker = _ComponentChecker(modal=True)
    components = _check_list(data.get("components"), [*path, "components"], 5, low=1)
    for index, component in enumerate(components):
        checker.component(component, [*path, "components", index], frozenset({1, 10, 18}))


def _assign_component_ids(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copy of the components with Discord's numeric ``id`` filled in depth first where missing or 0."""
    copied: list[dict[str, Any]] = json.loads(json.dumps(components))
    used: set[int] = set()

    def children(item: dict[str, Any]) -> list[dict[str, Any]]:
        found = list(item.get("components") or [])
        found += [item[key] for key in ("accessory", "component") if isinstance(item.get(key), dict)]
        return found

    def collect(items: list[dict[str, Any]]) -> None:
        for item in items:
            if isinstance(item.get("id"), int) and item["id"] > 0:
                used.add(item["id"])
            collect(children(item))

    collect(copied)
    counter = 0

    def fill(items: list[dict[str, Any]]) -> None:
        nonlocal counter
        for item in items:
            if not (isinstance(item.get("id"), int) and item["id"] > 0):
                counter += 1
                while counter in used:
                    counter += 1
                item["id"] = counter
            fill(children(item))

    fill(copied)
    return copied


def _walk_components(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every component, depth first (rows, containers, sections' accessories, labels' children)."""
    for item in components:
        yield item
        nested = list(item.get("components") or [])
        nested += [item[key] for key in ("accessory", "component") if isinstance(item.get(key), dict)]
        yield from _walk_components(nested)

MAX_SAFE_INTEGER = 2**53 - 1  # INTEGER options and choices: -2^53+1 .. 2^53-1; NUMBER: -2^53 .. 2^53


def _check_chat_input_name(name: Any, path: Path) -> None:
    """CHAT_INPUT command and option names: Discord's regex, lowercase where a lowercase variant exists."""
    if not isinstance(name, str) or not _COMMAND_NAME.match(name) or name != name.lower():
        raise _form_error(path, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")


def _check_localizations(value: Any, path: Path, check: Callable[[Any, Path], None]) -> dict[str, str]:
    """A ``*_localizations`` dictionary: keys are Discord locales, each value obeys the default field's rules."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _form_error(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
    for locale, text in value.items():
        if locale not in DISCORD_LOCALES:
            raise _form_error([*path, locale], "ENUM_TYPE_COERCE", f"Value \"{locale}\" is not a valid enum value.")
        check(text, [*path, locale])
    return value


def _check_description(value: Any, path: Path) -> None:
    _check_str(value, path, 100, low=1, required=True)


def _longest(default: Any, localized: dict[str, str]) -> int:
    """Size of a field for the 8,000-character command limit: the longest of the default and its localizations."""
    return max([len(default) if isinstance(default, str) else len(str(default))]
               + [len(v) for v in localized.values() if isinstance(v, str)])


def _check_choice_value(value: Any, path: Path, option_type: int) -> None:
    if option_type == 3:
        if not isinstance(value, str):
            raise _form_error(path, "BASE_TYPE_BAD_TYPE", "Must be a string.")
        if len(value) > 100:  # docs: "up to 100 characters if string" (the OpenAPI spec says 6000)
            raise _form_error(path, "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
    elif option_type == 4:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _form_error(path, "NUMBER_TYPE_COERCE", f"Value \"{value}\" is not int.")
        if abs(value) > MAX_SAFE_INTEGER:
            raise _form_error(path, "NUMBER_TYPE_MAX", "int value should be less than or equal to 9007199254740991.")
    elif option_type == 10:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _form_error(path, "NUMBER_TYPE_COERCE", f"Value \"{value}\" is not a number.")
        if abs(value) > MAX_SAFE_INTEGER + 1:
            raise _form_error(path, "NUMBER_TYPE_MAX", "Value should be less than or equal to 9007199254740992.")


def _validate_choices(choices: Any, path: Path, option_type: int) -> int:
    """Option choices or autocomplete results: at most 25; name 1-100 (localizable), value typed like the option.
    Returns their size for the 8,000-character command limit.
    """
    size = 0
    for index, choice in enumerate(_check_list(choices, path, 25)):
        here = [*path, index]
        if not isinstance(choice, dict):
            raise _form_error(here, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        _check_str(choice.get("name"), [*here, "name"], 100, low=1, required=True)
        localized = _check_localizations(choice.get("name_localizations"), [*here, "name_localizations"],
                                         lambda v, p: _check_str(v, p, 100, low=1, required=True))
        if "value" not in choice:
            raise _form_error([*here, "value"], "BASE_TYPE_REQUIRED", "This field is required")
        _check_choice_value(choice["value"], [*here, "value"], option_type)
        size += _longest(choice["name"], localized) + len(str(choice["value"]))
    return size


def _validate_options(options: Any, path: Path, *, level: str) -> int:
    """Options of a command (level "command"), a subcommand group ("group") or a subcommand ("subcommand").
    Returns their size for the 8,000-character limit.
    """
    options = _check_list(options, path, 25)
    size = 0
    seen_optional = False
    names: set[str] = set()
    localized_names: dict[str, set[str]] = collections.defaultdict(set)
    kinds = [o.get("type") if isinstance(o, dict) else None for o in options]
    if level == "command" and any(k in (1, 2) for k in kinds) and not all(k in (1, 2) for k in kinds):
        raise _form_error(path, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                          "Sub-command and sub-command group option types are mutually exclusive to all other types")
    for index, option in enumerate(options):
        here = [*path, index]
        if not isinstance(option, dict):
            raise _form_error(here, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        kind = option.get("type")
        allowed = {"command": set(range(1, 12)), "group": {1}, "subcommand": set(range(3, 12))}[level]
        if kind not in allowed:
            raise _form_error([*here, "type"], "BASE_TYPE_CHOICES",
                              f"Value must be one of {tuple(sorted(allowed))}.")
        name = option.get("name") or ""
        _check_chat_input_name(name, [*here, "name"])
        if name in names:
            raise _form_error([*here, "name"], "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                              "Option names must be unique")
        names.add(name)
        name_loc = _check_localizations(option.get("name_localizations"), [*here, "name_localizations"],
                                        _check_chat_input_name)
        _check_description(option.get("description"), [*here, "description"])
        desc_loc = _check_localizations(option.get("description_localizations"),
                                        [*here, "description_localizations"], _check_description)
        size += _longest(name, name_loc) + _longest(option["description"], desc_loc)
        for locale, localized in name_loc.items():
            # "distinct from all other default option names of that command, as well as all other option names
            # within that locale" (application-commands#localization)
            if localized in localized_names[locale] or (localized in {o.get("name") for o in options}
                                                        and localized != name):
                raise _form_error([*here, "name_localizations", locale],
                                  "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option names must be unique")
            localized_names[locale].add(localized)
        if kind in (1, 2):
            size += _validate_options(option.get("options"), [*here, "options"],
                                      level="group" if kind == 2 else "subcommand")
            continue
        if option.get("required"):
            if seen_optional:
                raise _form_error(path, "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                                  "Required options must be placed before non-required options")
        else:
            seen_optional = True
        size += _validate_value_option(option, here, kind)
    return size


def _validate_value_option(option: dict[str, Any], here: Path, kind: int) -> int:
    """Choices, autocomplete and bounds of a non-subcommand option; returns the choices' size."""
    size = 0
    if choices := option.get("choices"):
        if kind not in (3, 4, 10):
            raise _form_error([*here, "choices"], "APPLICATION_COMMAND_OPTION_CHOICES_INVALID",
                              "Choices are only allowed for STRING, INTEGER and NUMBER options")
        if option.get("autocomplete"):
            raise _form_error([*here, "autocomplete"], "AUTOCOMPLETE_AND_CHOICES",
                              "Autocomplete cannot be set for options with choices.")
        size += _validate_choices(choices, [*here, "choices"], kind)
    if option.get("autocomplete") and kind not in (3, 4, 10):
        raise _form_error([*here, "autocomplete"], "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                          "Autocomplete is only allowed for STRING, INTEGER and NUMBER options")
    if kind == 3:
        _check_int(option.get("min_length"), [*here, "min_length"], 0, 6000)
        _check_int(option.get("max_length"), [*here, "max_length"], 1, 6000)
    for key in ("min_value", "max_value"):
        value = option.get(key)
        if value is not None and kind in (4, 10):
            _check_choice_value(value, [*here, key], kind)
    return size


def _validate_command(body: Any, path: Path) -> None:
    """An application command as Discord checks it on create, edit and bulk overwrite."""
    if not isinstance(body, dict) or not isinstance(body.get("name"), str):
        raise _form_error([*path, "name"], "BASE_TYPE_REQUIRED", "This field is required")
    command_type = int(body.get("type") or 1)
    name = body["name"]
    if command_type == 1:
        _check_chat_input_name(name, [*path, "name"])
        name_loc = _check_localizations(body.get("name_localizations"), [*path, "name_localizations"],
                                        _check_chat_input_name)
        _check_description(body.get("description"), [*path, "description"])
        desc_loc = _check_localizations(body.get("description_localizations"),
                                        [*path, "description_localizations"], _check_description)
        size = _longest(name, name_loc) + _longest(body["description"], desc_loc)
        size += _validate_options(body.get("options"), [*path, "options"], level="command")
        if size > 8000:  # application-commands#slash-commands
            raise _form_error(path, "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (8000)")
    elif command_type in (2, 3):  # USER / MESSAGE: 1-32 characters, any case, spaces allowed
        _check_str(name, [*path, "name"], 32, low=1, required=True)
        _check_localizations(body.get("name_localizations"), [*path, "name_localizations"],
                             lambda v, p: _check_str(v, p, 32, low=1, required=True))
        if body.get("description"):
            raise _form_error([*path, "description"], "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
                              "Context menu commands cannot have description")
        if body.get("options"):
            raise _form_error([*path, "options"], "APPLICATION_COMMAND_OPTIONS_INVALID",
                              "Context menu commands cannot have options")
    else:
        raise _form_error([*path, "type"], "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3, 4).")
