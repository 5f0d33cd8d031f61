"""Formulas (the common subset) and rollups, evaluated and filtered like Notion's recorded answers."""

from __future__ import annotations

import pytest

from bot.local.model import formula as F

from .conftest import raw

V = "2026-03-11"


@pytest.mark.parametrize(
    "expression, value",
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("2 ^ 3", 8),
        ("7 % 4", 3),
        ('"a" + "b"', "ab"),
        ('prop("Name").length()', 6),
        ('length(prop("Name"))', 6),
        ('prop("Tags").includes("Done")', True),
        ('prop("Tags").length()', 2),
        ('format(prop("Count"))', "3"),
        ('prop("Count") > 2 and not false', True),
        ('if(prop("Done"), "yes", "no")', "no"),
        ('prop("Done") ? 1 : 2', 2),
        ('upper(prop("Name"))', "ITEM 1"),
        ("{{notion:block_property:title:ds:ws}}", "Item 1"),
    ],
)
def test_the_common_subset(expression, value):
    values = {"Name": "Item 1", "title": "Item 1", "Tags": ["Done", "In Progress"], "Count": 3, "Done": False}
    assert F.evaluate(expression, values.__getitem__) == value


@pytest.mark.parametrize("expression", ["dateBetween(1, 2)", "1 +", '"a" * 2', 'prop("Name"', "1 / 0"])
def test_outside_the_subset_is_a_typed_refusal(expression):
    with pytest.raises(F.FormulaError):
        F.evaluate(expression, lambda key: "x")


def test_formula_values_and_filters_on_a_data_source(ws):
    st, db, _ = raw(
        ws,
        "POST",
        "/v1/databases",
        {
            "parent": {"workspace": True},
            "title": [{"text": {"content": "F"}}],
            "initial_data_source": {
                "properties": {
                    "Name": {"title": {}},
                    "Tags": {"multi_select": {}},
                    "Done?": {"formula": {"expression": 'prop("Tags").includes("Done")'}},
                    "Size": {"formula": {"expression": 'prop("Tags").length()'}},
                    "Label": {"formula": {"expression": 'format(prop("Name"))'}},
                    "Odd": {"formula": {"expression": 'dateBetween(prop("Name"))'}},
                }
            },
        },
        version=V,
    )
    ds = db["data_sources"][0]["id"]
    for name, tags in (("Item 1", ["Done", "In Progress"]), ("Item 2", ["In Progress"])):
        raw(
            ws,
            "POST",
            "/v1/pages",
            {
                "parent": {"data_source_id": ds},
                "properties": {
                    "Name": {"title": [{"text": {"content": name}}]},
                    "Tags": {"multi_select": [{"name": t} for t in tags]},
                },
            },
            version=V,
        )
    st, found, _ = raw(
        ws,
        "POST",
        f"/v1/data_sources/{ds}/query",
        {"filter": {"property": "Done?", "formula": {"checkbox": {"equals": True}}}},
        version=V,
    )
    assert st == 200 and len(found["results"]) == 1
    props = found["results"][0]["properties"]
    assert props["Done?"]["formula"] == {"type": "boolean", "boolean": True}
    assert props["Size"]["formula"] == {"type": "number", "number": 2}
    assert props["Label"]["formula"] == {"type": "string", "string": "Item 1"}
    assert props["Odd"]["formula"]["type"] == "unsupported"
    st, found, _ = raw(
        ws,
        "POST",
        f"/v1/data_sources/{ds}/query",
        {"filter": {"property": "Label", "formula": {"string": {"starts_with": "Item"}}}},
        version=V,
    )
    assert len(found["results"]) == 2


def test_rollups_show_and_filter_the_related_values(ws):
    st, items, _ = raw(
        ws,
        "POST",
        "/v1/databases",
        {
            "parent": {"workspace": True},
            "title": [{"text": {"content": "Items"}}],
            "initial_data_source": {"properties": {"Name": {"title": {}}, "Price": {"number": {}}}},
        },
        version=V,
    )
    items_ds = items["data_sources"][0]["id"]
    st, item, _ = raw(
        ws,
        "POST",
        "/v1/pages",
        {
            "parent": {"data_source_id": items_ds},
            "properties": {"Name": {"title": [{"text": {"content": "Item 1"}}]}, "Price": {"number": 42}},
        },
        version=V,
    )
    st, orders, _ = raw(
        ws,
        "POST",
        "/v1/databases",
        {
            "parent": {"workspace": True},
            "title": [{"text": {"content": "Orders"}}],
            "initial_data_source": {
                "properties": {
                    "Name": {"title": {}},
                    "Items": {"relation": {"data_source_id": items_ds, "single_property": {}}},
                }
            },
        },
        version=V,
    )
    orders_ds = orders["data_sources"][0]["id"]
    st, ds, _ = raw(
        ws,
        "PATCH",
        f"/v1/data_sources/{orders_ds}",
        {
            "properties": {
                "Titles": {
                    "rollup": {
                        "relation_property_name": "Items",
                        "rollup_property_name": "Name",
                        "function": "show_original",
                    }
                },
                "Total": {
                    "rollup": {"relation_property_name": "Items", "rollup_property_name": "Price", "function": "sum"}
                },
            }
        },
        version=V,
    )
    assert st == 200 and ds["properties"]["Total"]["rollup"]["rollup_property_name"] == "Price"
    raw(
        ws,
        "POST",
        "/v1/pages",
        {
            "parent": {"data_source_id": orders_ds},
            "properties": {
                "Name": {"title": [{"text": {"content": "Order"}}]},
                "Items": {"relation": [{"id": item["id"]}]},
            },
        },
        version=V,
    )
    st, found, _ = raw(
        ws,
        "POST",
        f"/v1/data_sources/{orders_ds}/query",
        {"filter": {"property": "Titles", "rollup": {"any": {"rich_text": {"equals": "Item 1"}}}}},
        version=V,
    )
    assert len(found["results"]) == 1
    props = found["results"][0]["properties"]
    assert props["Total"]["rollup"]["number"] == 42
    assert props["Titles"]["rollup"]["array"][0]["title"][0]["plain_text"] == "Item 1"
    st, none, _ = raw(
        ws,
        "POST",
        f"/v1/data_sources/{orders_ds}/query",
        {"filter": {"property": "Total", "rollup": {"number": {"greater_than": 42}}}},
        version=V,
    )
    assert none["results"] == []


def test_an_empty_number_counts_as_zero_and_a_leading_equals_sign_is_empty(ws):
    st, db, _ = raw(
        ws,
        "POST",
        "/v1/databases",
        {
            "parent": {"workspace": True},
            "title": [{"text": {"content": "N"}}],
            "initial_data_source": {
                "properties": {
                    "Name": {"title": {}},
                    "Number": {"number": {}},
                    "Same": {"formula": {"expression": 'prop("Number")'}},
                    "Twice": {"formula": {"expression": '=prop("Number") * 2'}},
                    "Go": {"button": {}},
                }
            },
        },
        version=V,
    )
    ds = db["data_sources"][0]["id"]
    st, page, _ = raw(ws, "POST", "/v1/pages", {"parent": {"data_source_id": ds}, "properties": {}}, version=V)
    assert st == 200, page
    props = page["properties"]
    assert props["Same"]["formula"] == {"type": "number", "number": 0}  # recorded: empty Number -> 0
    assert props["Twice"]["formula"] == {"type": "string", "string": None}  # recorded: "={{…}}* 2" is empty
    assert props["Go"]["button"] == {}  # recorded: a button's value is {}
