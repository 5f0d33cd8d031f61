"""`bot pull`: a Notion page → a content file (YAML front matter + Markdown body).

The mapping is reversed: each mapped property becomes its front-matter field, the page icon
becomes the `page_icon` field, a date goes back to local time in BOT_TIMEZONE, and `lang`,
`week`, `series` come from the slug (series-lang-week). The body is `blocks_to_markdown` of the
page's blocks without the bot's language-link callout (the publisher adds it again), so
pulling a page the bot published and publishing the file again writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import yaml

from ..convert import blocks_to_markdown
from ..errors import BotError, DuplicatePagesError, SelectionError
from ..mapping import Mapping
from ..properties import normalize_value
from ..bilingual import is_language_link
from ..source import LANGS, FrontMatter, parse_week_spec

SLUG_PARTS = re.compile(r"^(?P<series>[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*?)-(?P<lang>en|zh)-(?P<week>\d{4}-W\d{2})$")
QUOTED_FIELDS = {"title", "summary", "icon", "password"}  # the authoring convention: always quoted


@dataclass
class Pulled:
    slug: str
    lang: str
    page_id: str
    url: str | None
    text: str  # the whole content file
    notes: list[str]
    assets: dict[str, bytes] = field(default_factory=dict)  # path relative to the file -> bytes (uploaded images)
    blocks: list[dict] = field(default_factory=list)  # the page's top-level blocks, without the language link
    edited: set[str] = field(
        default_factory=set
    )  # ids of top-level blocks holding an edit by someone other than the bot
    edited_fields: set[str] = field(
        default_factory=set
    )  # front-matter fields whose property Notion holds with a value the bot never wrote
    page: dict | None = field(default=None, repr=False)  # the page as Notion returned it
    footnotes_heading: str = "Footnotes"  # the mapping's heading of the final footnote section in this language
    aliases: dict[str, str] = field(
        default_factory=dict
    )  # the series' own front-matter field names (mapping `fields:`)

    @property
    def week(self) -> str:
        return self.front["week"]

    @property
    def series(self) -> str:
        return self.front["series"]

    @property
    def front(self) -> dict:
        return yaml.safe_load(self.text.split("---\n", 2)[1])

    def default_path(self, content_dir: Path) -> Path:
        return Path(content_dir) / self.series / self.week / f"{self.lang}.md"


# --------------------------------------------------------------------------- page → source
def page_front_matter(
    page: dict, mapping: Mapping, zone: ZoneInfo, *, lang: str | None = None, series: str | None = None
) -> tuple[dict, list[str]]:
    """Front-matter fields (in FrontMatter order) from a page's properties and icon; and notes."""
    props = page.get("properties", {})
    notes: list[str] = []
    values: dict[str, Any] = {}
    for field_name, prop in mapping.properties.items():
        raw = props.get(prop.property)
        if prop.type == "title" and (raw is None or raw.get("type") != "title"):
            raw = next((v for v in props.values() if v.get("type") == "title"), None)
        if raw is None:
            continue
        values[field_name] = _decode(prop.type, raw.get(raw.get("type", prop.type)), zone)
    if mapping.page_icon:
        emoji = (page.get("icon") or {}).get("emoji")
        if emoji or mapping.page_icon not in values:
            values[mapping.page_icon] = emoji
    slug = values.get(mapping.key) or ""
    parts = SLUG_PARTS.match(slug)
    if parts:
        values.setdefault("series", parts["series"])
        values.setdefault("lang", parts["lang"])
        values.setdefault("week", parts["week"])
    else:
        when = values.get("date")
        if isinstance(when, str):
            when = datetime.fromisoformat(when.replace(" ", "T"))
        if not isinstance(when, (date, datetime)):
            raise BotError(
                f"page {page.get('id')}: slug {slug!r} is not series-lang-week and the page has no date to derive the week from; set the slug in Notion first"
            )
        iso = when.isocalendar()
        values.setdefault("series", series or "rec-weekly")
        values.setdefault("lang", lang or "en")
        values.setdefault("week", f"{iso[0]}-W{iso[1]:02d}")
        expected = f"{values['series']}-{values['lang']}-{values['week']}"
        notes.append(
            f"page slug {slug!r} is not series-lang-week: the file uses {expected!r}; publishing it creates a new page unless you set that slug in Notion"
        )
        values[mapping.key] = expected
    for name in ("icon", "category"):  # the front matter treats "" as unset for these
        if values.get(name) == "":
            values[name] = None
    ordered = {name: values.get(name, _default(name)) for name in FrontMatter.model_fields}
    return ordered, notes


def _default(name: str) -> Any:
    info = FrontMatter.model_fields[name]
    if info.is_required():
        return None
    return info.get_default(call_default_factory=True)


def _decode(kind: str, value: Any, zone: ZoneInfo) -> Any:
    if kind == "date":
        if not value or not value.get("start"):
            return None
        return _local_date(value["start"], value.get("time_zone"), zone)
    if kind == "number":
        if value is None:
            return None
        return int(value) if float(value).is_integer() else float(value)
    if kind == "select":
        return value["name"] if value else None
    if kind == "multi_select":
        return [v["name"] for v in value or []]  # Notion's order, which is the order published
    if kind in ("title", "rich_text"):
        return normalize_value(kind, value)
    return value


def _local_date(start: str, time_zone: str | None, zone: ZoneInfo) -> str | date:
    if "T" not in start:
        return date.fromisoformat(start)
    moment = datetime.fromisoformat(start.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(time_zone) if time_zone else timezone.utc)
    local = moment.astimezone(zone)
    return local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M")


def _yaml_value(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        flow = "[" + ", ".join(_plain_or_quoted(str(v), in_flow=True) for v in value) + "]"
        return flow if _round_trips(flow, [str(v) for v in value]) else json.dumps(value, ensure_ascii=False)
    text = str(value)
    if name in QUOTED_FIELDS:
        return _double_quoted(text)
    if name == "date":
        return text  # "2026-05-30 07:01" stays a string; the front matter parses it in BOT_TIMEZONE
    return _plain_or_quoted(text)


def _plain_or_quoted(text: str, in_flow: bool = False) -> str:
    if text and "\n" not in text and not (in_flow and any(c in text for c in ",[]{}")) and _round_trips(text, text):
        return text
    return _double_quoted(text)


# What a YAML reader refuses, and the line breaks it would fold (NEL, LS, PS), even inside quotes.
YAML_UNPRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _double_quoted(text: str) -> str:
    """A JSON string is a valid YAML double-quoted scalar, once the characters a YAML reader
    refuses even inside quotes (DEL, C1 controls) are written as escapes too."""
    return YAML_UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False))


def _round_trips(rendered: str, expected: Any) -> bool:
    try:
        return yaml.safe_load(f"k: {rendered}\n") == {"k": expected}
    except yaml.YAMLError:
        return False


def render_source(front: dict, body_markdown: str) -> str:
    lines = ["---"]
    for name, value in front.items():
        rendered = _yaml_value(name, value)
        lines.append(f"{name}: {rendered}" if rendered else f"{name}:")
    lines.append("---")
    body = body_markdown.strip("\n")
    return "\n".join(lines) + "\n\n" + (body + "\n" if body else "")


def page_to_source(
    page: dict,
    blocks: list[dict],
    mapping: Mapping,
    zone: ZoneInfo,
    *,
    lang: str | None = None,
    series: str | None = None,
) -> tuple[str, list[str]]:
    """The content-file text for a page and its block tree; and notes for the user."""
    front, notes = page_front_matter(page, mapping, zone, lang=lang, series=series)
    if mapping.fields:  # the series' own field names (its mapping's `fields:`), as its files say them
        own = {bot: mine for mine, bot in mapping.fields.items()}
        front = {own.get(name, name): value for name, value in front.items()}
    if blocks and is_language_link(blocks[0], mapping.link_texts):
        blocks = blocks[1:]
    return render_source(front, blocks_to_markdown(blocks)), notes


def equivalent(path: Path, text: str, aliases: dict[str, str] | None = None) -> bool:
    """Whether the file at `path` already says what `text` says: same front matter, same blocks.

    Hand-written Markdown rarely matches the canonical rendering byte for byte (escaping, blank
    lines); it is left alone when it would publish exactly the same page.
    """
    from ..convert import convert_markdown, normalize_tree
    from ..errors import ContentError
    from ..source import split_front_matter

    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if raw == text:
        return True
    try:
        pairs = []
        for source in (raw.lstrip("\ufeff"), text):
            head, body, _ = split_front_matter(path, source)
            data = yaml.safe_load(head) or {}
            if aliases and isinstance(data, dict):  # the series' own field names (`abstract:` for summary)
                data = {aliases.get(k, k): v for k, v in data.items()}
            front = FrontMatter.model_validate(data)
            pairs.append((front, normalize_tree(convert_markdown(body).blocks)))
    except (ContentError, yaml.YAMLError, ValueError):
        return False
    return pairs[0] == pairs[1]


# --------------------------------------------------------------------------- fetching
def _slug_of(page: dict, mapping: Mapping) -> str:
    prop = mapping.key_property
    raw = page.get("properties", {}).get(prop.property) or {}
    return normalize_value(prop.type, raw.get(prop.type))


def pull_slug(session, slug: str, *, lang: str | None = None, series: str | None = None) -> Pulled:
    mapping = session.mapping
    key = mapping.key_property
    parts = SLUG_PARTS.match(slug)
    langs = [lang] if lang else ([parts["lang"]] if parts else list(LANGS))
    seen_db: set[str] = set()
    found: list[tuple[str, dict]] = []
    for candidate in langs:
        target = session.target(candidate)
        if target.data_source_id in seen_db:
            continue
        seen_db.add(target.data_source_id)
        found.extend(
            (candidate, p)
            for p in session.api.find_pages(
                target.data_source_id, key.property, key.type, slug, session.listed_properties(candidate)
            )
        )
    if not found:
        where = "the local workspace" if session.is_local else "the Notion database"
        raise SelectionError(
            f"no page with slug {slug!r} in {where}: check the slug (bot local show / Notion's {key.property} column)"
        )
    if len(found) > 1:
        listing = ", ".join(f"{p['id']} ({p.get('url')})" for _, p in found)
        raise DuplicatePagesError(
            f"{len(found)} pages have slug {slug!r}: {listing}. Trash all but one in Notion, then pull again."
        )
    page_lang, page = found[0]
    return _pull_page(session, page, lang=lang or (parts["lang"] if parts else page_lang), series=series)


def _pull_page(session, page: dict, *, lang: str | None, series: str | None) -> Pulled:
    blocks = session.api.read_tree(page["id"])
    assets = fetch_images(session.api, blocks)
    text, notes = page_to_source(page, blocks, session.mapping, session.settings.zone, lang=lang, series=series)
    front = yaml.safe_load(text.split("---\n", 2)[1])
    body_blocks = blocks[1:] if blocks and is_language_link(blocks[0], session.mapping.link_texts) else blocks
    accepted = _accepted(session, front[session.mapping.key], page["id"])
    edited = {b["id"] for b in body_blocks if _edited_by_others(b, session.bot_user_id, accepted)}
    return Pulled(
        front[session.mapping.key],
        front["lang"],
        page["id"],
        page.get("url"),
        text,
        notes,
        assets,
        body_blocks,
        edited,
        _edited_fields(page, session.mapping, accepted),
        page,
        session.mapping.footnotes_title(front["lang"]),
        session.mapping.fields,
    )


def _edited_fields(page: dict, mapping: Mapping, accepted) -> set[str]:
    """Front-matter fields whose property (or page icon) Notion holds with a value the bot never
    wrote or accepted (known only from a page record with property fingerprints)."""
    from ..engine.fingerprints import ICON_KEY, property_fingerprints

    if accepted is None or not accepted.properties:
        return set()
    names = {name: prop.property for name, prop in mapping.properties.items()}
    live = property_fingerprints(page.get("properties", {}), page.get("icon"), names=list(names.values()))
    fields = {
        name for name, prop in names.items() if prop in accepted.properties and live[prop] != accepted.properties[prop]
    }
    if mapping.page_icon and ICON_KEY in accepted.properties and live[ICON_KEY] != accepted.properties[ICON_KEY]:
        fields.add(mapping.page_icon)
    return fields


def _accepted(session, slug: str, page_id: str):
    """What the bot last wrote or accepted on the page (its page record), when known."""
    from ..engine.records import PageRecords

    record = PageRecords(session.settings.state_dir).get(slug)
    return record.accepted(page_id) if record else None


def _edited_by_others(block: dict, bot_user_id: str, accepted=None) -> bool:
    """Whether a person (anyone but the bot) last edited this block or one inside it, to
    content the bot never wrote or accepted (the same rule as drift: bot.engine.plan.detect_drift)."""
    from ..engine.fingerprints import content_fingerprint

    who = (block.get("last_edited_by") or {}).get("id")
    if who and who != bot_user_id and (accepted is None or content_fingerprint(block) not in accepted.blocks):
        return True
    children = (block.get(block.get("type", "")) or {}).get("children") or []
    return any(_edited_by_others(child, bot_user_id, accepted) for child in children)


def accept_pulled(session, item: Pulled) -> None:
    """The edits `pull --edited` wrote into the file are the editor's choice: the page record
    counts their content as accepted (bot.engine.records), so they are not drift any more."""
    from ..engine.fingerprints import ICON_KEY, content_fingerprints, property_fingerprints
    from ..engine.records import PageRecords

    blocks = content_fingerprints([b for b in item.blocks if b["id"] in item.edited])
    page = item.page or {}
    names = [session.mapping.properties[f].property for f in item.edited_fields if f in session.mapping.properties]
    live = property_fingerprints(page.get("properties", {}), page.get("icon"), names=names)
    properties = {name: live[name] for name in names}
    if session.mapping.page_icon in item.edited_fields:
        properties[ICON_KEY] = live[ICON_KEY]
    PageRecords(session.settings.state_dir).accept(item.slug, item.page_id, blocks, properties)


class UnplaceableEdit(BotError):
    """An edit made in Notion that `pull --edited` cannot write into the file."""


def edited_only_text(path: Path, item: Pulled) -> str:
    """The file at `path` with Notion's version of exactly the blocks people edited in Notion;
    every other line (the front matter too) stays as it is. Never leaves an edit out in
    silence: raises UnplaceableEdit naming each edited block it cannot place."""
    from .merge import keep_file_lines

    old = path.read_text(encoding="utf-8")
    if not item.edited and not item.edited_fields:
        return old

    def taking(ids: set[str]):
        return lambda stretch: any(b.get("id") in ids for b in stretch)

    merged = keep_file_lines(
        old,
        item.text,
        item.blocks,
        take=taking(item.edited),
        fields=item.edited_fields,
        footnotes_heading=item.footnotes_heading,
    )
    if merged is not None:
        return merged
    alone = [
        b
        for b in item.blocks
        if b["id"] in item.edited
        and keep_file_lines(
            old, item.text, item.blocks, take=taking({b["id"]}), footnotes_heading=item.footnotes_heading
        )
        is None
    ]
    named = alone or [b for b in item.blocks if b["id"] in item.edited]
    listing = "; ".join(_named_block(b) for b in named)
    error = UnplaceableEdit(
        f"{path}: cannot place {len(named)} block(s) edited in Notion into the file — {listing}; nothing was written"
    )
    error.hint = (
        f"take the text into {path.name} by hand (`bot pull {item.slug} --out -` prints Notion's version), "
        f"or replace the whole file with Notion's version: `bot pull {item.slug} --force`"
    )
    raise error


def _named_block(block: dict) -> str:
    from ..engine.plan import block_markdown

    text = " ".join(block_markdown(block).split())
    return (
        f"block {block['id'].replace('-', '')[:8]} ({block['type']}: {text[:80] + '…' if len(text) > 80 else text!r})"
    )


def text_for(path: Path | None, item: Pulled, *, edited_only: bool = False) -> str:
    """What to write at `path`: the pulled text, written into the file that is there so that
    only the lines that differ change (its escaping, list and table formatting stay)."""
    from .merge import keep_file_lines

    if edited_only and path is not None:
        return edited_only_text(path, item)
    if path is None or not path.is_file():
        return item.text
    try:
        old = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return item.text
    return keep_file_lines(old, item.text, item.blocks, footnotes_heading=item.footnotes_heading)


UPLOAD_NAME = re.compile(r"^[0-9a-f]{16}-(?P<name>.+)$")  # how the publisher names its uploads
UNSAFE_NAME_CHARS = re.compile(r"[^\w.-]+")  # \w keeps letters of every script, digits and _


def safe_file_name(name: str) -> str:
    """A file name from a URL, made safe to write under images/: the last segment after any
    / or \\ (decoded or not), no control characters, no leading dots, no Markdown-breaking
    characters, at most 100 characters; `image` when nothing is left."""
    name = re.split(r"[/\\]", name)[-1]
    name = UNSAFE_NAME_CHARS.sub("_", name).lstrip(".")[-100:].lstrip(".")
    return name or "image"


def fetch_images(api, blocks: list[dict]) -> dict[str, bytes]:
    """Download images hosted by Notion (their URLs expire after an hour) so the pulled file
    points at local copies: `images/<name>`. Marks each block as a local image, which the
    Markdown renderer writes as `![caption](images/<name>)` and the publisher recognises as
    the same upload (same bytes → same sha256), so pull-then-publish writes nothing."""
    assets: dict[str, bytes] = {}

    def walk(items: list[dict]) -> None:
        for block in items:
            body = block.get(block.get("type", ""), {})
            if block.get("type") == "image" and body.get("type") == "file":
                url = body["file"]["url"]
                data = api.download(url)
                raw_name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
                match = UPLOAD_NAME.match(raw_name)
                name = safe_file_name(match["name"] if match else raw_name)
                rel = f"images/{name}"
                while rel in assets and assets[rel] != data:
                    stem, dot, ext = name.rpartition(".")
                    name = f"{stem or ext}-{len(assets)}{dot}{ext if stem else ''}"
                    rel = f"images/{name}"
                assets[rel] = data
                block["bot_local_file"] = {"path": rel, "sha256": hashlib.sha256(data).hexdigest(), "name": name}
            walk(body.get("children") or [])

    walk(blocks)
    return assets


def find_week_pages(session, spec: str, langs: list[str], series=None) -> list[tuple[str, dict]]:
    """Pages whose slug is series-<lang>-<week> for the week `spec` (W22 or 2026-W22); only
    those of `series` (names) when given — series may share a database."""
    year, number = parse_week_spec(spec)
    suffix = f"-{year}-W{number:02d}" if year else f"-W{number:02d}"
    mapping = session.mapping
    key = mapping.key_property
    pages: dict[str, tuple[str, dict]] = {}
    seen_db: set[str] = set()
    for lang in langs:
        target = session.target(lang)
        if target.data_source_id in seen_db:
            continue
        seen_db.add(target.data_source_id)
        body = {"filter": {"property": key.property, key.type: {"ends_with": suffix}}}
        for page in session.api.query(target.data_source_id, body, session.listed_properties(lang)):
            if page.get("in_trash"):
                continue
            parts = SLUG_PARTS.match(_slug_of(page, mapping))
            if (
                parts
                and (series is None or parts["series"] in series)
                and parts["lang"] in langs
                and parts["week"].endswith(f"W{number:02d}")
                and (year is None or parts["week"].startswith(year))
            ):
                pages[page["id"]] = (parts["lang"], page)
    chosen = list(pages.values())
    if not chosen:
        where = "the local workspace" if session.is_local else "the Notion database"
        raise SelectionError(
            f"--week {spec!r}: no page of that week in {where} (slugs must look like rec-weekly-en-2026-W22); pull a page by its slug instead: bot pull SLUG"
        )
    weeks = sorted({SLUG_PARTS.match(_slug_of(p, mapping))["week"] for _, p in chosen})
    if len(weeks) > 1:
        raise SelectionError(
            f"--week {spec!r} is ambiguous: {', '.join(weeks)}; name the year, e.g. --week {weeks[-1]}"
        )
    by_slug: dict[str, list[dict]] = {}
    for _, page in chosen:
        by_slug.setdefault(_slug_of(page, mapping), []).append(page)
    for slug, group in by_slug.items():
        if len(group) > 1:
            listing = ", ".join(f"{p['id']} ({p.get('url')})" for p in group)
            raise DuplicatePagesError(
                f"{len(group)} pages have slug {slug!r}: {listing}. Trash all but one in Notion, then pull again."
            )
    return sorted(chosen, key=lambda lp: LANGS.index(lp[0]))


def pull_week(session, spec: str, langs: list[str], progress=None, series=None) -> list[Pulled]:
    out = []
    for lang, page in find_week_pages(session, spec, langs, series):
        out.append(_pull_page(session, page, lang=lang, series=None))
        if progress is not None:
            progress.advance(label=out[-1].slug)
    return out
