"""`bot validate`'s checks of a body: one conversion pass (streamed for a long body) that checks
Notion's limits and outlines the body for parity, then its links, anchors and local images, and the
property values of its front matter."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote

from ..convert import BlockStream, ConvertOptions, check_limits
from ..convert.assets import ImageRefusal, resolve_local_image
from ..convert.limits import check_property_limits
from ..convert.parser import get_parser
from ..source import SHARED_PARSE_MAX, Variant
from .diagnostics import Diagnostic, column_of, display_path, line_text
from .validate_scan import BodyScan, heading_anchors, known_anchors

_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")
_PLACEHOLDER = "https://validate.invalid/"


class BodyChecks:
    """The body checks of _Validator (bot/editor/validate.py), which holds the state they use
    (settings, parity, known, content_files, the headings and outlines it keeps) and `report`s for them."""

    def check_parity(self, variants: list[Variant], selected: set[Path]) -> None:
        """Warnings where the two variants of a selected week diverge in structure (bot/editor/parity.py).
        Advisory: a translation may differ on purpose, so --strict does not make them errors."""
        from .parity import week_parity

        weeks = {v.group for v in variants if v.path.resolve() in selected}
        findings = week_parity([v for v in variants if v.group in weeks], self.outline_for)
        self.parity_findings += findings
        for finding in findings:
            self.out.append(
                Diagnostic(
                    os.fspath(finding.path), finding.line, 1, "warning", f"parity: {finding.message}", None, "parity"
                )
            )

    def outline_for(self, variant: Variant):
        """The variant's parity outline: from check_body's conversion when it ran, else from one
        conversion here (a variant of the week that was not selected)."""
        from .parity import outline_of_text

        found = self._outlines.get(variant.path.resolve())
        if found is None:
            found = outline_of_text(
                variant.path,
                variant.lang,
                variant.body,
                variant.body_line,
                footnotes_heading=self.footnotes_title(variant),
            )
        return found

    def footnotes_title(self, variant: Variant) -> str:
        mapping = self.mapping_of(variant)
        return mapping.footnotes_title(variant.lang) if mapping is not None else "Footnotes"

    # -- body ---------------------------------------------------------------------
    def check_body(self, variant: Variant) -> None:
        """A file's body: Notion's limits, its links and images, what the converter degrades, and
        the property values its front matter gives."""
        scan = BodyScan()
        stream, over_limits = self.convert_body(variant, scan)
        self._headings.setdefault(variant.path.resolve(), scan.anchors)
        link_errors = self.check_links(variant, scan.references)
        for line, violation in over_limits:
            self.report(variant.path, line, None, f"exceeds a Notion limit: {violation}", rule="limits")
        self.report_conversion(variant, stream, link_errors)
        self.check_properties(variant)

    def convert_body(self, variant: Variant, scan: BodyScan) -> tuple[BlockStream, list[tuple[int, str]]]:
        """Convert the body once, `scan` reading its tokens; returns the conversion (its report)
        and the (line, violation) of the blocks over Notion's limits. Keeps the parity outline."""
        path = variant.path
        block_lines, link_lines = ({}, {}) if self.parity else (None, None)  # parity outlines this same conversion
        options = ConvertOptions(
            line_offset=variant.body_line - 1,
            resolve_link=lambda href: _PLACEHOLDER,
            base_dir=path.parent,
            image_roots=self.settings.image_roots,
            block_lines=block_lines,
            link_lines=link_lines,
            footnotes_heading=self.footnotes_title(variant),
        )
        # A long body is read in one pass, one top-level block at a time: the converter parses and
        # renders each block and frees its tokens, which `scan` reads first (links, images,
        # headings); the limits are checked and parity outlines each block as it comes. Nothing
        # of the whole body is held but the source and what the checks keep (diagnostics, anchors,
        # link targets). A short one is parsed whole (faster; at most a few MB), and a one-week
        # publish converts that parse next.
        tokens: list | None = None
        if len(variant.body) <= SHARED_PARSE_MAX:
            tokens = get_parser().parse(variant.body)
            scan(tokens)
        stream = BlockStream(variant.body, options, tokens=tokens, observe=None if tokens is not None else scan)
        outliner = None
        if block_lines is not None:
            from .parity import Outliner

            outliner = Outliner(path, variant.lang, block_lines, variant.body_line, _PLACEHOLDER, link_lines)
        over_limits: list[tuple[int, str]] = []
        for line, block in stream.with_lines():
            for violation in check_limits([block], ""):
                over_limits.append((line or variant.body_line, violation))
            if outliner is not None:
                outliner.add(block)
        if tokens is not None and self.keep_parsed and path.resolve() in self.known:
            variant.keep_tokens(tokens)  # the publish converts this parse
        del tokens
        if outliner is not None:
            self._outlines[path.resolve()] = outliner.outline
        return stream, over_limits

    def report_conversion(self, variant: Variant, stream: BlockStream, link_errors: set[tuple[int, str]]) -> None:
        """What the converter reported (unknown code languages, refused images, degradations),
        but the missing images and broken links check_links reported already."""
        lines = self.body_lines_of(variant)
        messages: dict[tuple[str, str], str] = {}
        previous = None  # (report entry, its diagnostic)
        for d in stream.report:
            if previous is not None and d is previous[0]:
                # the converter's same entry again (one per unclosed `<pre>` of a line, 200,000
                # in 1 MB): the same (frozen) diagnostic again, not 200,000 equal ones
                self.out.append(previous[1])
                continue
            reported = len(self.out)
            self.report_degradation(variant.path, d, line_text(lines, d.line or 0), link_errors, messages)
            previous = (d, self.out[-1]) if len(self.out) > reported else None

    def report_degradation(
        self, path: Path, d, text: str, link_errors: set[tuple[int, str]], messages: dict[tuple[str, str], str]
    ) -> None:
        """One entry of the converter's report as a diagnostic (or none: a broken link reported already).
        `messages`: the texts of this file's degradations, one string per distinct text (a report
        can hold one entry per unclosed HTML element of a big file, all alike)."""
        if d.construct == "code_language":
            lang = d.subject
            self.report(
                path,
                d.line,
                column_of(text, lang) if lang else None,
                f"unknown code language {lang!r}: Notion would show it as plain text — use a language Notion knows "
                "(python, bash, json, yaml, sql, …; see bot/convert/languages.py) or `text`",
                rule="code-language",
            )
        elif d.construct in ("image", "link") and (d.line, d.subject) in link_errors:
            return  # a missing image or broken link: reported as an error with its column already
        elif d.construct == "image_refused":
            self.report(
                path,
                d.line,
                column_of(text, d.subject),
                f"{d.message.removesuffix(': kept its alt text as a paragraph')} — only regular files inside the content folder are ever uploaded",
                rule="image-refused",
            )
        else:
            key = (d.construct, d.message)
            message = messages.get(key)
            if message is None:
                message = f"{d.construct}: {d.message}"
                if len(messages) < 4096:
                    messages[key] = message
            self.report(path, d.line, column_of(text, d.subject), message, rule="degradation")

    def check_properties(self, variant: Variant) -> None:
        """Property values one Notion request cannot carry (bot.convert.limits), at their field."""
        mapping = self.mapping_of(variant)
        if mapping is None:
            return
        from ..properties import desired_properties

        fields = {prop.property: name for name, prop in mapping.properties.items()}
        values = desired_properties(variant, mapping, self.settings.zone)
        for prop, violation in check_property_limits(values):
            name = fields.get(prop) if prop else None
            line, col = self.field_position(variant, name) if name else (variant.body_line - 1, None)
            self.report(
                variant.path,
                line,
                col,
                f"exceeds a Notion limit: {violation}" if name else f"front matter exceeds a Notion limit: {violation}",
                field=name,
                rule="limits",
            )

    def check_links(self, variant: Variant, references: list[tuple[int, str, str]]) -> set[tuple[int, str]]:
        """Relative links, anchors and local images (`references`: the body's, see BodyScan);
        returns (line, href) of reported errors."""
        errors: set[tuple[int, str]] = set()
        lines = self.body_lines_of(variant)
        offset = variant.body_line - 1
        for line, kind, href in references:
            line += offset
            target = unquote(href)  # markdown-it percent-encodes hrefs; show and find what the author wrote
            if kind == "image":
                message, rule = self.image_problem(variant, href, target), "image"
            else:
                message, rule = self.link_problem(variant, target), "link"
            if message is None:
                continue
            text = line_text(lines, line)
            column = (
                column_of(text, f"({target}") + 1
                if f"({target}" in text
                else column_of(text, target if target in text else href)
            )
            self.report(variant.path, line, column, message, rule=rule)
            errors.update({(line, target), (line, href)})
        return errors

    def image_problem(self, variant: Variant, href: str, target: str) -> str | None:
        """Why a local image cannot be uploaded (it is missing), or None."""
        if _SCHEME.match(target) or target.startswith("//"):
            return None
        local = variant.path.parent / target.split("#", 1)[0].split("?", 1)[0]
        found = resolve_local_image(href, variant.path.parent, self.settings.image_roots, hash_content=False)
        if isinstance(found, ImageRefusal) and found.kind == "missing":
            return f"image {target!r} not found (looked for {display_path(local)}): add the file or fix the path"
        return None

    def link_problem(self, variant: Variant, target: str) -> str | None:
        """Why a link to an anchor or a relative path is broken, or None (absolute URLs are not checked offline)."""
        if target.startswith("#"):
            anchor = target[1:]
            if anchor and anchor not in self.headings(variant.path):
                return f"anchor {target!r} matches no heading in this file{known_anchors(self.headings(variant.path), anchor)}"
            return None
        if _SCHEME.match(target) or target.startswith("//"):
            return None
        path_part, _, anchor = target.partition("#")
        linked = (variant.path.parent / path_part).resolve()
        if not linked.exists():
            return f"broken relative link {target!r}: {display_path(linked)} does not exist — fix the path or link an https:// URL"
        if linked not in self.content_files:
            return f"relative link {target!r} is not a content file: relative links must point at another newsletter file (.md under BOT_CONTENT_DIR); use an https:// URL for anything else"
        if anchor and anchor not in self.headings(linked):
            return f"anchor #{anchor} matches no heading in {display_path(linked)}{known_anchors(self.headings(linked), anchor)}"
        return None

    def headings(self, path: Path) -> list[str]:
        """The heading anchors of a file, in document order: from its check_body pass when it ran,
        else from the variant's body when it was read, else from the file."""
        key = path.resolve()
        if key not in self._headings:
            variant = self.known.get(key) or self._read.get(key)
            if variant is not None:
                variant = self.with_body(variant)
                self._headings[key] = heading_anchors(variant.body)
            else:
                try:
                    text = key.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    text = ""
                self._headings[key] = heading_anchors(text)
        return self._headings[key] or []
