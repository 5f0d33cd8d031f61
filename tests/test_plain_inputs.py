"""`bot convert`'s plain checks (bot/plain_front.py, bot/plain_inputs.py) against the pydantic models they stand in
for: whatever a plain check accepts, the model accepts with the same values; it accepts the
shipped inputs (so the quick path is the one `bot convert` takes); and what it is not sure of
goes to the model, whose messages `bot convert` prints as before."""

from __future__ import annotations

import copy
import os
import typing
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from bot import plain_front as pf
from bot import plain_inputs as plain
from bot.front_matter import FrontMatter
from bot.mapping import HideUntilComplete, Mapping, PropertyMap, PropertyType
from bot.settings import Settings
from bot.source import read_variant

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "content").rglob("*.md"))
MAPPING = ROOT / "mappings" / "rec-weekly.yaml"


def front_data(path: Path) -> dict:
    """A file's front matter as YAML built it (what a plain check is given)."""
    seen = []
    read_variant(path, plain_check=lambda data: seen.append(copy.deepcopy(data)))
    return seen[0]


def same_values(plain_object, model) -> bool:
    """Equal values of equal types (repr: 1 == 1.0 and aware datetimes compare as instants)."""
    return repr(plain_object.model_dump()) == repr(model.model_dump())


# -- the field lists are the models' ----------------------------------------------------------


def test_front_fields_defaults_and_choices_are_the_models():
    fields = FrontMatter.model_fields
    assert tuple(fields) == pf.FRONT_FIELDS
    assert tuple(n for n, f in fields.items() if f.is_required()) == pf.FRONT_REQUIRED
    assert {n: f.get_default(call_default_factory=True) for n, f in fields.items() if not f.is_required()} == (
        pf.FRONT_DEFAULTS
    )
    for name, choices in pf.FRONT_CHOICES.items():
        assert typing.get_args(fields[name].annotation) == choices


def test_mapping_fields_and_defaults_are_the_models():
    assert tuple(Mapping.model_fields) == plain.MAPPING_FIELDS
    assert tuple(PropertyMap.model_fields) == plain.PROPERTY_FIELDS
    assert tuple(HideUntilComplete.model_fields) == plain.HIDE_FIELDS
    assert typing.get_args(PropertyType) == plain.PROPERTY_TYPES
    assert (Mapping.model_fields["key"].default, Mapping.model_fields["page_icon"].default) == ("slug", "icon")
    assert PropertyMap.model_fields["required"].default is True


def test_settings_names_defaults_and_patterns_are_the_models():
    from bot import settings as full

    assert set(plain.PLAIN_SETTINGS) <= set(Settings.model_fields)
    for name, default in plain.PATH_DEFAULTS.items():
        assert Settings.model_fields[name].default == default
    assert Settings.model_fields["bot_timezone"].default == "Asia/Shanghai"
    assert plain.HEADER_SAFE.pattern == full.HEADER_SAFE.pattern
    assert plain.NOTION_TOKEN_SHAPE.pattern == full.NOTION_TOKEN_SHAPE.pattern
    assert plain.OWN_PREFIXES == full.OWN_PREFIXES


# -- front matter ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shipped_front_matter_is_plain_and_the_same(path):
    data = front_data(path)
    quick = pf.plain_front(data)
    assert quick is not None
    assert same_values(quick, FrontMatter.model_validate(data))


BASE = front_data(ROOT / "content/rec-weekly/2026-W22/en.md")
TEXTS = st.sampled_from(
    ["", " ", "x", " x", "x ", "a,b", "📚", "📚📚", "\x07bell", "\ud800", "\u3000x", "x\x1c", "Post", "en", "zh"]
)
VALUES = st.one_of(
    TEXTS,
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            date(2026, 5, 30),
            datetime(2026, 5, 30, 7, 1),
            datetime(2026, 5, 30, 7, 1, tzinfo=timezone(timedelta(hours=9))),
            "2026-05-30",
            "2026-05-30 07:01",
            " 2026-05-30T07:01:00+02:00 ",
            "2026-W22",
            "2026-W54",
            "rec-weekly",
            "rec-weekly-en-2026-W22",
        ]
    ),
    st.lists(TEXTS, max_size=4),
    st.lists(st.text(max_size=3), min_size=99, max_size=102),
)
FIELD_NAMES = st.sampled_from(list(pf.FRONT_FIELDS) + ["extra"])
# Per field, values near the valid ones (so that many examples are accepted and compared).
NEAR = {
    "title": st.one_of(TEXTS, st.text(max_size=5)),
    "summary": st.one_of(TEXTS, st.text(max_size=5)),
    "category": st.one_of(TEXTS, st.none(), st.text(max_size=5)),
    "icon": st.sampled_from(["📚", "", None, "🇨🇳", "👩‍💻", "a", "📚 ", "\x07"]),
    "password": st.one_of(TEXTS, st.none()),
    "tags": st.lists(st.one_of(TEXTS, st.text(max_size=4)), max_size=5),
    "priority": st.one_of(
        st.none(), st.booleans(), st.integers(-(2**60), 2**60), st.floats(), st.sampled_from([2**53, 2**53 + 1])
    ),
    "date": st.one_of(
        st.dates(),
        st.datetimes(timezones=st.one_of(st.none(), st.timezones())),
        st.datetimes().map(lambda d: d.strftime("%Y-%m-%d %H:%M")),
        st.datetimes().map(lambda d: d.isoformat()),
        st.text(max_size=5),
    ),
    "type": st.sampled_from(["Post", "Page", "Notice", "Menu", "SubMenu", "post", " Post"]),
    "status": st.sampled_from(["Published", "Draft", "Invisible", "published"]),
}


VALID = {  # plainly valid values, so that most examples are accepted and compared
    "title": ["Weekly", "周报 · 2026-W22", "a, b: c", "📚 Rec"],
    "summary": ["", "One line.", "两句话。"],
    "category": ["", None, "Rec Tech Report", "推荐"],
    "icon": ["📚", "", None, "🇨🇳", "👩‍💻"],
    "password": ["", None, "secret"],
    "tags": [[], ["a"], ["Weekly", "推荐系统"], ["a", "b", "c"]],
    "priority": [None, 0, 1, -3, 2**53, 1.5, 1e300],
    "date": [
        date(2026, 5, 30),
        datetime(2026, 5, 30, 7, 1),
        datetime(2026, 5, 30, 7, 1, 30, 5, tzinfo=timezone.utc),
        "2026-05-30 07:01",
        "2026-05-30T07:01:59",
        "2026-05-30",
        "2026-05-30T07:01+08:00",
    ],
    "type": ["Post", "Page", "Notice", "Menu", "SubMenu"],
    "status": ["Published", "Draft", "Invisible"],
}


@st.composite
def front_changes(draw):
    names = draw(st.lists(st.one_of(st.sampled_from(list(VALID)), FIELD_NAMES), max_size=3, unique=True))
    changes = {}
    for name in names:
        kind = draw(st.integers(0, 9)) if name in VALID else 9
        if kind < 7:
            changes[name] = draw(st.sampled_from(VALID[name]))
        elif kind < 9:
            changes[name] = draw(NEAR[name])
        else:
            changes[name] = draw(st.one_of(VALUES, st.just(KeyError)))
    return changes


@hsettings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=front_changes())
def test_what_the_plain_front_check_accepts_the_model_accepts_the_same(changes):
    data = dict(BASE)
    for name, value in changes.items():
        if value is KeyError:
            data.pop(name, None)
        else:
            data[name] = value
    quick = pf.plain_front(copy.deepcopy(data))
    if quick is not None:
        assert same_values(quick, FrontMatter.model_validate(data))


@pytest.mark.parametrize(
    "field, value",
    [
        ("title", " Rec Tech Weekly"),  # the model strips it; the plain check leaves that to the model
        ("priority", True),
        ("priority", "1"),
        ("tags", ("a", "b")),
        ("lang", "fr"),
        ("extra", "x"),
        ("summary", "\ud800"),
    ],
)
def test_front_matter_the_plain_check_is_not_sure_of_goes_to_the_model(field, value):
    assert pf.plain_front({**BASE, field: value}) is None


# -- the mapping -------------------------------------------------------------------------------

RAW_MAPPING = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))


def test_the_shipped_mapping_is_plain_and_the_same():
    quick = plain.plain_mapping(MAPPING)
    model = Mapping.model_validate(RAW_MAPPING)
    assert quick is not None
    assert repr(_mapping_values(quick)) == repr(model.model_dump())
    assert quick.footnotes_title("zh") == model.footnotes_title("zh") and quick.footnotes_title("fr") == "Footnotes"


def _mapping_values(m) -> dict:
    def obj(o, names):
        return None if o is None else {n: getattr(o, n) for n in names}

    return {
        "database_title": m.database_title,
        "database": m.database,
        "languages": m.languages,
        "key": m.key,
        "page_icon": m.page_icon,
        "properties": {f: obj(p, plain.PROPERTY_FIELDS) for f, p in m.properties.items()},
        "footnotes_heading": m.footnotes_heading,
        "hide_until_complete": obj(m.hide_until_complete, plain.HIDE_FIELDS),
        "fields": m.fields,
        "language_link": m.language_link,
    }


PATHS = [
    ("database_title",),
    ("key",),
    ("page_icon",),
    ("footnotes_heading",),
    ("footnotes_heading", "zh"),
    ("hide_until_complete",),
    ("hide_until_complete", "field"),
    ("hide_until_complete", "hidden"),
    ("hide_until_complete", "applies_to"),
    ("properties",),
    ("properties", "title", "type"),
    ("properties", "slug", "type"),
    ("properties", "status", "options"),
    ("properties", "status", "required"),
    ("properties", "tags", "property"),
    ("properties", "extra"),
    ("extra",),
]
MAPPING_VALUES = st.one_of(
    st.sampled_from(
        ["", "x", "title", "slug", "status", "tags", "select", "rich_text", "title", "Draft", "Published", "zh"]
    ),
    st.none(),
    st.booleans(),
    st.integers(-2, 2),
    st.lists(st.sampled_from(["Draft", "Published", "x", ""]), max_size=3),
    st.just({"property": "extra", "type": "title"}),
    st.just({"property": "status", "type": "select"}),
    st.just({}),
)


VALID_MAPPING_CHANGES = [  # each keeps the mapping valid
    (("database_title",), "Other"),
    (("database_title",), " 周报 "),
    (("key",), "title"),
    (("page_icon",), None),
    (("page_icon",), "summary"),
    (("footnotes_heading",), {}),
    (("footnotes_heading", "zh"), "注释"),
    (("footnotes_heading", "fr"), ""),
    (("hide_until_complete",), None),
    (("hide_until_complete", "applies_to"), ["Published", "Invisible"]),
    (("properties", "status", "required"), False),
    (("properties", "status", "options"), []),
    (("properties", "extra"), {"property": "extra", "type": "number", "options": ["a"]}),
    (("properties", "priority"), KeyError),
    (("properties", "tags", "property"), "标签"),
]
MAPPING_CHANGE = st.one_of(
    st.sampled_from(VALID_MAPPING_CHANGES),
    st.sampled_from(VALID_MAPPING_CHANGES),
    st.tuples(st.sampled_from(PATHS), st.one_of(MAPPING_VALUES, st.just(KeyError))),
)


@hsettings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.lists(MAPPING_CHANGE, max_size=3))
def test_what_the_plain_mapping_check_accepts_the_model_accepts_the_same(changes):
    raw = copy.deepcopy(RAW_MAPPING)
    for path, value in changes:
        parent = raw
        for step in path[:-1]:
            parent = parent.get(step) if isinstance(parent, dict) else None
        if not isinstance(parent, dict):
            continue
        if value is KeyError:
            parent.pop(path[-1], None)
        else:
            parent[path[-1]] = copy.deepcopy(value)
    quick = plain.plain_mapping_of(copy.deepcopy(raw))
    if quick is not None:
        assert repr(_mapping_values(quick)) == repr(Mapping.model_validate(raw).model_dump())


def test_a_mapping_the_plain_check_is_not_sure_of_goes_to_the_model(tmp_path):
    broken = copy.deepcopy(RAW_MAPPING)
    broken["properties"]["slug"]["type"] = "title"  # two titles
    assert plain.plain_mapping_of(broken) is None
    assert plain.plain_mapping(tmp_path / "missing.yaml") is None
    (tmp_path / "bad.yaml").write_text("properties: [", encoding="utf-8")
    assert plain.plain_mapping(tmp_path / "bad.yaml") is None


def test_a_series_mapping_is_plain_and_the_same_or_goes_to_the_model():
    """A series' languages and language-link text are checked plainly; its own database or its
    own field names (which rename the other fields) go to the model."""
    series = {**copy.deepcopy(RAW_MAPPING), "languages": ["en"], "language_link": {"en": "Deutsch"}}
    quick, model = plain.plain_mapping_of(series), Mapping.model_validate(series)
    assert quick is not None and repr(_mapping_values(quick)) == repr(model.model_dump())
    assert quick.link_text("en") == model.link_text("en") == "Deutsch" and quick.link_texts == model.link_texts
    assert quick.link_text("zh") is None is model.link_text("zh")
    for other in ({"languages": ["fr"]}, {"languages": []}, {"language_link": ["x"]}):
        assert plain.plain_mapping_of({**copy.deepcopy(RAW_MAPPING), **other}) is None
    for own in ({"database": {"id": "abc"}}, {"fields": {"abstract": "summary"}}):
        assert plain.plain_mapping_of({**copy.deepcopy(RAW_MAPPING), **own}) is None


# -- settings ----------------------------------------------------------------------------------

SETTINGS = ("bot_state_dir", "bot_content_dir", "bot_assets_dir", "bot_mapping", "bot_timezone")


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"BOT_RATE_LIMIT": "100000", "BOT_TIMEZONE": "Europe/Berlin", "NOTION_TOKEN": ""},
        {
            "NOTION_TOKEN": " ntn_abc123 ",
            "NOTION_DATABASE_ID": "x",
            "BOT_ASSETS_DIR": "img",
            "BOT_RATE_LIMIT": "600/60",
        },
        {"BOT_STATE_DIR": "", "BOT_CONTENT_DIR": " ", "bot_timezone": "UTC"},
    ],
)
def test_plain_settings_are_the_models(environ, monkeypatch, tmp_path):
    from bot.settings import load_settings

    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.upper().startswith(plain.OWN_PREFIXES)]:
        monkeypatch.delenv(name)
    environ = {"BOT_MAPPING": str(MAPPING), **environ}
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    quick, model = plain.plain_settings(), load_settings()
    assert quick is not None
    assert {n: getattr(quick, n) for n in SETTINGS} == {n: getattr(model, n) for n in SETTINGS}
    assert (quick.image_roots, quick.zone) == (model.image_roots, model.zone)


@pytest.mark.parametrize(
    "environ",
    [
        {"BOT_MAX_ATTEMPTS": "3"},  # a setting the plain check does not know
        {"BOT_TIMEZOME": "Asia/Shanghai"},  # a typo: the model's message names the setting it means
        {"BOT_TIMEZONE": "Mars/Olympus"},
        {"NOTION_TOKEN": "not-a-token"},
        {"NOTION_TOKEN": "ntn_a b"},
        {"BOT_RATE_LIMIT": "0/60"},
        {"BOT_RATE_LIMIT": "180 / 60"},
        {"BOT_MAPPING": str(MAPPING), "bot_mapping": str(MAPPING)},
    ],
)
def test_settings_the_plain_check_is_not_sure_of_go_to_the_model(environ):
    assert plain.plain_settings({"BOT_MAPPING": str(MAPPING), **environ}) is None


def test_a_dotenv_file_goes_to_the_model(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert plain.plain_settings({"BOT_MAPPING": str(MAPPING)}) is not None
    (tmp_path / ".env").write_text("BOT_TIMEZONE=UTC\n", encoding="utf-8")
    assert plain.plain_settings({"BOT_MAPPING": str(MAPPING)}) is None


# -- through the command line: the model's messages, as before ---------------------------------


def test_convert_reports_bad_inputs_with_the_models_messages(env, cli, monkeypatch):
    en = env / "content/rec-weekly/2026-W22/en.md"
    en.write_text(en.read_text(encoding="utf-8").replace("lang: en", "lang: zh"), encoding="utf-8")
    code, _, err = cli("convert", str(en))
    assert code == 1 and f"{en}:3: lang: `lang: zh` in en.md, whose slug says en too: set `lang: en`" in err

    monkeypatch.setenv("BOT_TIMEZONE", "Mars/Olympus")
    code, _, err = cli("convert", str(en))
    assert code != 0 and "setting BOT_TIMEZONE: unknown time zone 'Mars/Olympus'" in err

    monkeypatch.setenv("BOT_TIMEZONE", "Asia/Shanghai")
    mapping = env / "mapping.yaml"
    mapping.write_text(
        MAPPING.read_text(encoding="utf-8").replace("type: rich_text}", "type: title}"), encoding="utf-8"
    )
    monkeypatch.setenv("BOT_MAPPING", str(mapping))
    en.write_text(en.read_text(encoding="utf-8").replace("lang: zh", "lang: en"), encoding="utf-8")
    code, _, err = cli("convert", str(en))
    assert code == 1 and "exactly one field must map to a property of type title" in err


# -- drop-in: what the plain objects lack comes from the model of the same input ----------------


def test_a_plain_front_compares_and_answers_as_the_model():
    quick, model = pf.plain_front(dict(BASE)), FrontMatter.model_validate(BASE)
    assert quick == model and model == quick and quick == pf.plain_front(dict(BASE))
    assert quick != pf.plain_front({**BASE, "summary": "other"})
    assert quick.model_fields_set == model.model_fields_set  # from the model, built on first use
    assert quick.model_dump_json() == model.model_dump_json()


def test_plain_settings_answer_the_rest_as_settings(tmp_path, monkeypatch):
    from bot.settings import load_settings

    monkeypatch.chdir(tmp_path)
    environ = {"BOT_MAPPING": str(tmp_path / "missing.yaml"), "BOT_RATE_LIMIT": "600/60", "BOT_CONTENT_DIR": "c"}
    for name in [n for n in os.environ if n.upper().startswith(plain.OWN_PREFIXES)]:
        monkeypatch.delenv(name)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    quick, model = plain.plain_settings(), load_settings()
    assert quick.rate_budget == model.rate_budget == (600, 60.0)
    assert quick.uses_local_workspace and quick.state_dir == model.state_dir
    assert quick.missing_sources() == model.missing_sources() and len(model.missing_sources()) == 2
    (tmp_path / "c").mkdir()
    (tmp_path / "missing.yaml").write_text("x: 1\n", encoding="utf-8")
    assert quick.missing_sources() == model.missing_sources() == []


def test_validate_reads_plainly_valid_inputs_without_pydantic(env):
    """`bot validate --week` checks settings, mapping and front matter as convert does."""
    import subprocess
    import sys

    probe = (
        "import io, contextlib, sys\n"
        "from bot.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()): code = main(['validate', '--week', 'W22', '-q'])\n"
        "print(code, sorted(m for m in ('pydantic', 'bot.settings', 'bot.mapping', 'bot.front_matter') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=env)
    assert proc.stdout.split(None, 1) == ["0", "[]\n"], proc.stderr


# -- the mapping file's YAML: plain_inputs.load_yaml is yaml.load ------------------------------------

YAML_TEXTS = [
    Path("mappings/rec-weekly.yaml").read_text(encoding="utf-8"),
    "",
    "# only a comment\n",
    "plain string",
    "a: 1\nb: 0x1F\nc: 1_000\nd: 1.5\ne: .inf\nf: true\ng: off\nh: ~\ni: null\nj: 2026-05-30\nk: 2026-05-30 07:01:00",
    "a: '1'\nb: \"yes\"\nc: !!str 3\nd: ! 4\ne: !!int '5'",
    "base: &b {x: 1, y: [a, b]}\nuse: *b\nmerged:\n  <<: *b\n  y: c",
    "a: &a [1, *a]",
    "1: one\ntrue: t\nnull: n",
    "dup: 1\ndup: 2",
    "list:\n  - a\n  - {b: c}\n  - [d, [e]]\n  -\n",
    "set: !!set {a, b}\nomap: !!omap [a: 1, b: 2]\nbinary: !!binary aGk=",
    "k: |\n  block\n  text\nl: >-\n  folded\n  text\n",
]


@pytest.mark.parametrize("text", YAML_TEXTS)
def test_the_plain_yaml_load_builds_what_pyyaml_builds(text):
    from bot.source import YAML_LOADER

    # repr: the same types too (1 == True), and comparable when recursive (an alias inside itself)
    assert repr(plain.load_yaml(text)) == repr(yaml.load(text, Loader=YAML_LOADER))  # noqa: S506 - a safe loader


@pytest.mark.parametrize(
    "text", ["a: !!python/object:os.system x", "a: [1\n", "--- 1\n--- 2\n", "a: !foo {b: 1}", "? [complex, key]\n: v"]
)
def test_the_plain_yaml_load_refuses_what_pyyaml_refuses(text):
    from bot.source import YAML_LOADER

    with pytest.raises(yaml.YAMLError):
        yaml.load(text, Loader=YAML_LOADER)  # noqa: S506 - a safe loader
    with pytest.raises(yaml.YAMLError):
        plain.load_yaml(text)
