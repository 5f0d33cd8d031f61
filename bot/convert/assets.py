"""Which local files may leave the machine as images: the one containment rule.

A content file names a local image by a path relative to its own folder. Only a regular file
that resolves (after following every symlink) inside an allowed root — BOT_CONTENT_DIR, or an
explicitly configured BOT_ASSETS_DIR — with an image type Notion accepts and a size Notion
accepts is uploaded. Everything else is refused with a reason: `/proc/self/environ`,
`../../.env`, a symlink out of content/, a FIFO or a 1 GB file never get read.

Files are opened once and checked as opened: the resolved path is opened without following a
symlink (O_NOFOLLOW) and without waiting for a writer (O_NONBLOCK: a FIFO never blocks), and
the checks — regular file, real path inside the roots, size — are made with fstat() on that
descriptor, which is then read and hashed. At upload the file is opened the same way again and
must still be that real path with that hash: a file swapped for a symlink, a FIFO or other
bytes between the check and the upload is refused (`ImageChangedError`), never uploaded.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from ..errors import BotError

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
    """A local image that may be uploaded: its real path, size, content type and the sha256
    of the bytes read from the descriptor that was checked ("" when not hashed)."""

    path: Path
    size: int
    content_type: str
    sha256: str = ""


class ImageChangedError(BotError):
    """A vetted image is not the same file any more when it is to be uploaded."""

    hint = "an image changed while the bot was publishing (swapped, replaced or edited): run the command again"


@dataclass(frozen=True)
class ImageRefusal:
    """Why a local image path is not uploaded. `kind` is "missing" (nothing there: the alt
    text is kept, as before) or a refusal: "outside", "not-regular", "type", "too-large"."""

    kind: str
    reason: str

    @property
    def refused(self) -> bool:
        return self.kind != "missing"


def resolve_local_image(
    src: str, base_dir: Path, roots: tuple[Path, ...] | list[Path] = (), *, hash_content: bool = True
) -> LocalImage | ImageRefusal:
    """Resolve the image path `src` (as written in Markdown, maybe percent-encoded) of a file
    in `base_dir`. `roots` are the folders images may come from (default: `base_dir`). With
    `hash_content`, the file is read (from the checked descriptor) and its sha256 returned."""
    text = unquote(src.split("#", 1)[0].split("?", 1)[0])
    if not text or "\x00" in text:
        return ImageRefusal("outside", "not a usable file path")
    if Path(text).is_absolute():
        return ImageRefusal(
            "outside",
            "absolute paths are refused: local images must be relative paths to files under the content folder",
        )
    candidate = Path(base_dir) / text
    try:
        real = Path(os.path.realpath(candidate))
    except (OSError, ValueError):
        return ImageRefusal("outside", "the path cannot be resolved")
    allowed = [Path(os.path.realpath(r)) for r in (roots or (base_dir,))]
    if not _inside(real, allowed):
        return ImageRefusal(
            "outside",
            f"resolves outside the content folder ({_where(allowed)}); only files under BOT_CONTENT_DIR (or BOT_ASSETS_DIR) are uploaded",
        )
    opened = _open_checked(real)
    if isinstance(opened, ImageRefusal):
        return opened
    fd, info = opened
    try:
        content_type = IMAGE_CONTENT_TYPES.get(real.suffix.lower())
        if content_type is None:
            return ImageRefusal(
                "type",
                f"{real.suffix or 'no extension'} is not an image type Notion accepts ({', '.join(sorted(IMAGE_CONTENT_TYPES))})",
            )
        if info.st_size > MAX_IMAGE_BYTES:
            return ImageRefusal(
                "too-large", f"is {info.st_size:,} bytes; Notion's single-part upload limit is {MAX_IMAGE_BYTES:,}"
            )
        if not _descriptor_is(fd, info, real) or not _inside(real, allowed):
            return ImageRefusal(
                "outside", f"changed while it was checked: it no longer resolves to {real} inside {_where(allowed)}"
            )
        if not hash_content:
            return LocalImage(real, info.st_size, content_type)
        data = _read(fd)
        if data is None:
            return ImageRefusal(
                "too-large",
                f"grew over Notion's single-part upload limit of {MAX_IMAGE_BYTES:,} bytes while it was read",
            )
        import hashlib  # only for a local image: _hashlib loads OpenSSL (~3 ms of every convert)

        return LocalImage(real, len(data), content_type, hashlib.sha256(data).hexdigest())
    finally:
        os.close(fd)


def read_checked_image(real: Path, sha256: str) -> bytes:
    """The bytes to upload for an image vetted as `real` with `sha256`: read from a descriptor
    opened without following symlinks or blocking, still a regular file at that real path,
    with that hash. Anything else is an ImageChangedError, and nothing is uploaded."""
    opened = _open_checked(Path(real))
    if isinstance(opened, ImageRefusal):
        raise ImageChangedError(
            f"image {real} {opened.reason}, but it was a regular file when it was checked; not uploaded"
        )
    fd, info = opened
    try:
        if not _descriptor_is(fd, info, Path(real)):
            raise ImageChangedError(
                f"image {real} is not the file that was checked any more (a symlink or folder on its path changed); not uploaded"
            )
        data = _read(fd)
    finally:
        os.close(fd)
    import hashlib

    if data is None or hashlib.sha256(data).hexdigest() != sha256:
        raise ImageChangedError(f"image {real} changed since it was checked (its content differs); not uploaded")
    return data


def _open_checked(real: Path) -> tuple[int, os.stat_result] | ImageRefusal:
    """An open descriptor on `real` and its fstat, for a regular file only. O_NOFOLLOW: a
    symlink swapped in is refused, not followed; O_NONBLOCK: a FIFO does not wait for a writer."""
    flags = (
        os.O_RDONLY
        | getattr(os, "O_NOFOLLOW", 0)
        | getattr(os, "O_NONBLOCK", 0)
        | getattr(os, "O_CLOEXEC", 0)
        | getattr(os, "O_NOCTTY", 0)
    )
    try:
        fd = os.open(real, flags)
    except FileNotFoundError:
        return ImageRefusal("missing", "not found")
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return ImageRefusal("outside", "is a symlink now (it was resolved to a file before): not followed")
        return ImageRefusal("not-regular", f"cannot be read ({exc.strerror or exc})")
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        return ImageRefusal("not-regular", "is not a regular file (a directory, device, FIFO or socket)")
    return fd, info


def _descriptor_is(fd: int, info: os.stat_result, real: Path) -> bool:
    """Whether the open descriptor is the file at the real path `real` (no symlink or folder
    on its way swapped meanwhile): the kernel's name for the descriptor where it has one,
    otherwise the same device and inode as `real` resolved again."""
    for name in (f"/proc/self/fd/{fd}", f"/dev/fd/{fd}"):
        try:
            target = os.readlink(name)
        except OSError:
            continue
        return target == str(real)
    try:
        again = os.stat(real, follow_symlinks=False)
    except OSError:
        return False
    return os.path.realpath(real) == str(real) and (again.st_dev, again.st_ino) == (info.st_dev, info.st_ino)


def _read(fd: int) -> bytes | None:
    """At most MAX_IMAGE_BYTES from the descriptor; None when there are more."""
    chunks, size = [], 0
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_IMAGE_BYTES:
            return None
        chunks.append(chunk)


def _inside(real: Path, allowed: list[Path]) -> bool:
    return any(real == root or root in real.parents for root in allowed)


def _where(allowed: list[Path]) -> str:
    return " or ".join(str(r) for r in allowed)
