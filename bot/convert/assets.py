"""Which local files may leave the machine as images: the one containment rule.

A content file names a local image by a path relative to its own folder. Only a regular file
that resolves (after following every symlink) inside an allowed root — BOT_CONTENT_DIR, or an
explicitly configured BOT_ASSETS_DIR — with an image type Notion accepts and a size Notion
accepts is uploaded. Everything else is refused with a reason: `/proc/self/environ`,
`../../.env`, a symlink out of content/, a FIFO or a 1 GB file never get opened.

The size is checked with stat() before anything is read.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

# Notion's File Upload API, "Supported file types" → Image (extension → MIME type sent as content_type).
IMAGE_CONTENT_TYPES: dict[str, str] = {
    ".gif": "image/gif",
    ".heic": "image/heic",
    ".ico": "image/vnd.microsoft.icon",
    ".jpeg": "image/jpeg",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".webp": "image/webp",
}
# The bot sends single-part uploads, which Notion caps at 20 MB (paid workspaces allow bigger
# files only through multi-part uploads; free workspaces cap every file at 5 MiB).
MAX_IMAGE_BYTES = 20_000_000


@dataclass(frozen=True)
class LocalImage:
    """A local image that may be uploaded: its real path, size and content type."""

    path: Path
    size: int
    content_type: str


@dataclass(frozen=True)
class ImageRefusal:
    """Why a local image path is not uploaded. `kind` is "missing" (nothing there: the alt
    text is kept, as before) or a refusal: "outside", "not-regular", "type", "too-large"."""

    kind: str
    reason: str

    @property
    def refused(self) -> bool:
        return self.kind != "missing"


def resolve_local_image(src: str, base_dir: Path, roots: tuple[Path, ...] | list[Path] = ()) -> LocalImage | ImageRefusal:
    """Resolve the image path `src` (as written in Markdown, maybe percent-encoded) of a file
    in `base_dir`. `roots` are the folders images may come from (default: `base_dir`)."""
    text = unquote(src.split("#", 1)[0].split("?", 1)[0])
    if not text or "\x00" in text:
        return ImageRefusal("outside", "not a usable file path")
    if Path(text).is_absolute():
        return ImageRefusal("outside", "absolute paths are refused: local images must be relative paths to files under the content folder")
    candidate = Path(base_dir) / text
    try:
        real = Path(os.path.realpath(candidate))
    except (OSError, ValueError):
        return ImageRefusal("outside", "the path cannot be resolved")
    allowed = [Path(os.path.realpath(r)) for r in (roots or (base_dir,))]
    if not any(real == root or root in real.parents for root in allowed):
        where = " or ".join(str(r) for r in allowed)
        return ImageRefusal("outside", f"resolves outside the content folder ({where}); only files under BOT_CONTENT_DIR (or BOT_ASSETS_DIR) are uploaded")
    try:
        info = real.stat()
    except FileNotFoundError:
        return ImageRefusal("missing", "not found")
    except OSError as exc:
        return ImageRefusal("not-regular", f"cannot be read ({exc.strerror or exc})")
    if not stat.S_ISREG(info.st_mode):
        return ImageRefusal("not-regular", "is not a regular file (a directory, device, FIFO or socket)")
    content_type = IMAGE_CONTENT_TYPES.get(real.suffix.lower())
    if content_type is None:
        return ImageRefusal("type", f"{real.suffix or 'no extension'} is not an image type Notion accepts ({', '.join(sorted(IMAGE_CONTENT_TYPES))})")
    if info.st_size > MAX_IMAGE_BYTES:
        return ImageRefusal("too-large", f"is {info.st_size:,} bytes; Notion's single-part upload limit is {MAX_IMAGE_BYTES:,}")
    return LocalImage(real, info.st_size, content_type)
