"""Media and links: image (from Markdown `![alt](src)` and HTML `<img>`, split out of the paragraph
that holds it), and bookmark / embed / link_preview (only read from Notion: pulled as `<url>`).

Images: the alt text is the caption; a title is appended ("alt — title", reported); a link
around an image becomes a linked caption (reported), since Notion image blocks cannot link. A
local path is read only through bot.convert.assets (refused paths never are) and becomes a
file upload; an image that cannot be shown keeps its alt text as a paragraph.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from ..limits import MAX_ITEMS, MAX_TEXT, is_valid_link_url
from ..registry import BlockKind
from ..richtext import TEXT, ImageRef, Segment, to_items

SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")
HTTP = re.compile(r"https?://", re.IGNORECASE)
WIN_DRIVE = re.compile(r"[a-zA-Z]:[\\/]")
_SHA16_IN_URL = re.compile(r"/([0-9a-f]{16})-")


def _block(btype: str, body: dict) -> dict:
    return {"object": "block", "type": btype, btype: body}


# --------------------------------------------------------------------------- Markdown / HTML -> blocks
def caption_text(ctx, ref: ImageRef, line) -> str:
    """Alt text is the caption; a title different from it is appended (reported)."""
    title = ref.title.strip()
    if not title or title == ref.alt.strip():
        return ref.alt
    ctx.degrade(line, "image", f"image title {title!r} appended to the caption (Notion has no image titles)", title)
    return f"{ref.alt} — {title}" if ref.alt.strip() else title


def image_block(ctx, ref: ImageRef, line, link: str | None = None) -> dict:
    """The image block of an inline image (or, when it cannot be shown, its alt text as a paragraph)."""
    line = ref.line or line
    return ctx.mark([_image_block(ctx, ref, line, link)], line)[0]


def _image_block(ctx, ref: ImageRef, line, link: str | None = None) -> dict:
    src = ref.src
    line = ref.line or line
    cap_text = caption_text(ctx, ref, line)
    if link:
        ctx.degrade(
            line,
            "image",
            f"link around an image ({link[:80]!r}) kept as a linked caption (Notion image blocks cannot link)",
            link,
        )
        cap_text = cap_text or link
    caption = to_items([Segment(TEXT, cap_text, 0, link)]) if cap_text else []
    if len(caption) > MAX_ITEMS:
        caption = caption[:MAX_ITEMS]
        ctx.degrade(line, "image", "caption truncated to 100 items")
    # when the image cannot be shown: its alt text (linked, if it was) as a paragraph
    alt_paragraph = _block("paragraph", {"rich_text": to_items([Segment(TEXT, ref.alt, 0, link)]), "color": "default"})
    if HTTP.match(src):
        if is_valid_link_url(src):
            return _block("image", {"type": "external", "external": {"url": src}, "caption": caption})
        ctx.degrade(line, "image", f"image URL not usable (over {MAX_TEXT} units or invalid): kept alt text")
        return alt_paragraph
    if SCHEME.match(src) and not WIN_DRIVE.match(src):
        ctx.degrade(line, "image", f"image URL scheme not supported ({src[:40]!r}): kept alt text", src)
        return alt_paragraph
    return _local_image(ctx, ctx.md.normalizeLinkText(src), line, caption, alt_paragraph)


def _local_image(ctx, src: str, line, caption: list[dict], alt_paragraph: dict) -> dict:
    from ..assets import ImageRefusal, resolve_local_image

    base = ctx.opt.base_dir
    found = (
        resolve_local_image(src, Path(base), ctx.opt.image_roots)
        if base is not None
        else ImageRefusal("missing", "not found")
    )
    if isinstance(found, ImageRefusal):
        # A refused path is never read, and publish refuses the file (see bot.convert.assets).
        if found.refused:
            ctx.degrade(
                line,
                "image_refused",
                f"local image {src!r} refused: {found.reason}: kept its alt text as a paragraph",
                src,
            )
        else:
            ctx.degrade(line, "image", f"local image {src!r} not found: kept its alt text as a paragraph", src)
        return alt_paragraph
    p, sha = found.path, found.sha256  # hashed from the descriptor that was checked
    b = _block("image", {"type": "file_upload", "file_upload": {"id": ""}, "caption": caption})
    b["bot_local_file"] = {"path": str(p), "sha256": sha, "name": p.name, "content_type": found.content_type}
    return b


# --------------------------------------------------------------------------- blocks -> Markdown
def _caption_link(items: list[dict]) -> str | None:
    """The link of a caption that is linked as a whole (how a link around an image is kept)."""
    urls = {
        (it.get("text") or {}).get("link", {}) and it["text"]["link"].get("url") if it.get("type") == "text" else None
        for it in items
    }
    return urls.pop() if len(urls) == 1 and None not in urls else None


def md_image(b):
    from ..blocks_to_md import markdown_url, render_rich_text
    from ..normalize import normalize_rich_text

    body = b.get(b["type"]) or {}
    items = normalize_rich_text(body.get("caption", []))
    link = _caption_link(items) if items else None
    if link:
        items = [dict(it, text={"content": it["text"]["content"], "link": None}) for it in items]
    caption = render_rich_text(items, "line")
    local = b.get("bot_local_file")
    if local:
        url = local["path"]
    else:
        t = body.get("type") or ("external" if "external" in body else "file")
        url = (body.get(t) or {}).get("url") or f"notion-file-upload:{(body.get(t) or {}).get('id', '')}"
    image = f"![{caption}]({markdown_url(url)})"
    return f"[{image}]({markdown_url(link)})" if link else image


def md_link_block(b):
    url = (b.get(b["type"]) or {}).get("url", "")
    return f"<{url}>" if url else ""


# --------------------------------------------------------------------------- blocks -> HTML (preview)
def html_image(block: dict, body: dict, color: str) -> str:
    from ..blocks_to_html import rich_text
    from ..richtext import items_plain_text

    src = _image_src(block, body)
    caption = rich_text(body.get("caption", []))
    alt = html.escape(items_plain_text(body.get("caption", [])))
    return (
        f'<figure class="block image"><img src="{html.escape(src)}" alt="{alt}">'
        + (f"<figcaption>{caption}</figcaption>" if caption else "")
        + "</figure>"
    )


def _image_src(block: dict, body: dict) -> str:
    from ..blocks_to_html import WEB_SCHEMES, safe_url

    local = block.get("bot_local_file")
    if local:
        import base64
        import mimetypes

        from ..assets import ImageChangedError, read_checked_image

        path = Path(local["path"])
        try:  # the same vetted read as an upload: never a FIFO, never a file swapped in
            data = base64.b64encode(read_checked_image(path, local["sha256"])).decode("ascii")
        except (OSError, ImageChangedError):
            return ""
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return f"data:{mime};base64,{data}"
    source = body.get(body.get("type", "external")) or {}
    return safe_url(source.get("url", ""), WEB_SCHEMES) or ""


def html_link_block(block: dict, body: dict, color: str) -> str:
    from ..blocks_to_html import WEB_SCHEMES, safe_url

    kind, url = block["type"], body.get("url", "")
    href = safe_url(url, WEB_SCHEMES)
    if href is None:  # shown, never followed
        return f'<p class="block {kind}">{html.escape(url)}</p>'
    return f'<p class="block {kind}"><a href="{html.escape(href)}">{html.escape(url)}</a></p>'


# --------------------------------------------------------------------------- normalization and limits
def normalize_image(block: dict) -> dict:
    from ..normalize import normalize_rich_text

    body = block.get("image", {})
    caption = normalize_rich_text(body.get("caption"))
    local = block.get("bot_local_file")
    if local:
        return {"type": "image", "image": {"local_sha16": local["sha256"][:16], "caption": caption}}
    t = body.get("type") or ("external" if "external" in body else "file" if "file" in body else None)
    if t == "external":
        return {"type": "image", "image": {"external": body["external"]["url"], "caption": caption}}
    if t == "file":
        url = body["file"].get("url", "")
        m = _SHA16_IN_URL.search(url.split("?", 1)[0])
        if m:
            return {"type": "image", "image": {"local_sha16": m.group(1), "caption": caption}}
        return {"type": "image", "image": {"file": url.split("?", 1)[0], "caption": caption}}
    if t == "file_upload":
        return {"type": "image", "image": {"file_upload": body["file_upload"].get("id"), "caption": caption}}
    return {"type": "image", "image": {"caption": caption}}


def check_image(block: dict, body: dict, where: str, out: list[str]) -> None:
    if body.get("type") == "external" and not is_valid_link_url(body["external"]["url"]):
        out.append(f"{where}: invalid image url")


KINDS = [
    BlockKind(
        ("image",),
        to_markdown=md_image,
        to_html=html_image,
        normalize=normalize_image,
        check=check_image,
        doc="`![alt](src)`, `<img>` (made by the paragraph readers)",
    ),
    BlockKind(
        ("bookmark", "embed", "link_preview"),
        to_markdown=md_link_block,
        to_html=html_link_block,
        doc="pulled as `<url>` (never made from Markdown)",
    ),
]
