"""Data-source property schemas: types, number formats, option names."""

from __future__ import annotations

from typing import Any

from ..errors import body_failed, shown, too_long, validation
from .checks import check_str, utf16_units

PROPERTY_TYPES = (
    "title",
    "rich_text",
    "number",
    "select",
    "multi_select",
    "status",
    "date",
    "people",
    "files",
    "checkbox",
    "url",
    "email",
    "phone_number",
    "formula",
    "relation",
    "rollup",
    "created_time",
    "created_by",
    "last_edited_time",
    "last_edited_by",
    "unique_id",
    "button",
    "place",
    "verification",
)
WRITABLE_TYPES = frozenset(
    (
        "title",
        "rich_text",
        "number",
        "select",
        "multi_select",
        "status",
        "date",
        "people",
        "files",
        "checkbox",
        "url",
        "email",
        "phone_number",
        "relation",
    )
)
NUMBER_FORMATS = (
    "number number_with_commas percent dollar australian_dollar canadian_dollar singapore_dollar euro "
    "pound yen ruble rupee won yuan real lira rupiah franc hong_kong_dollar new_zealand_dollar krona "
    "norwegian_krone mexican_peso rand new_taiwan_dollar danish_krone zloty baht forint koruna shekel "
    "chilean_peso philippine_peso dirham colombian_peso riyal ringgit leu argentine_peso uruguayan_peso "
    "peruvian_sol"
).split()

STATUS_DEFAULT_OPTIONS = [
    ("Not started", "default", "to_do"),
    ("In progress", "blue", "in_progress"),
    ("Done", "green", "complete"),
]


def property_type_of(config: dict, path: str) -> str:
    kind = config.get("type")
    if kind is None:
        present = [k for k in config if k in PROPERTY_TYPES]
        if len(present) != 1:
            raise validation(
                f"body failed validation: {path} should have exactly one property type, instead was `{shown(config)}`."
            )
        kind = present[0]
    if kind not in PROPERTY_TYPES:
        raise body_failed(f"{path}.type", "should be a supported property type", kind)
    return kind


def check_option_name(name: Any, path: str) -> str:
    name = check_str(name, path)
    if "," in name:
        # Recorded Notion response (egordm/notionsci#13): commas are not allowed.
        raise validation(f"Invalid select option, commas not allowed: {name}")
    if utf16_units(name) > 100:
        raise too_long(path, 100, utf16_units(name))
    return name
