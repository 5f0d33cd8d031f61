"""`bot preview`: standalone HTML from the converted blocks, checked structurally and in headless Chromium."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import zlib
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

RICH = """\
> [!NOTE]
> Preview callout from a GitHub alert.

<details>
<summary>Toggle summary</summary>

Hidden toggle paragraph.

</details>

| Model | CTR lift |
|---|---|
| QGS | +0.62% |
| AKT-Rec | +2.76% |

```python
print("hello, preview")
```

$$
E = mc^2
$$

![Red diagram](img/red.png)

"""


# --------------------------------------------------------------------------- PNG helpers (no Pillow)
def png_bytes(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    row = b"\x00" + bytes(rgb) * width
    raw = row * height

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def png_pixels(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """Decode an 8-bit, non-interlaced RGB/RGBA PNG (what Chromium writes) into pixels."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0, header
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        prev = line
    pixels = [tuple(row[x : x + 3]) for row in rows for x in range(0, stride, bpp)]
    return width, height, pixels


# --------------------------------------------------------------------------- DOM helper
class Elements(HTMLParser):
    """Counts elements by `tag.class` (each class separately) and collects attributes."""

    def __init__(self, text: str):
        super().__init__()
        self.seen: Counter = Counter()
        self.attrs: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.attrs.append((tag, attrs))
        self.seen[tag] += 1
        for cls in (attrs.get("class") or "").split():
            self.seen[f"{tag}.{cls}"] += 1

    def handle_data(self, data):
        self.text.append(data)

    def find(self, tag: str, **want) -> list[dict]:
        return [a for t, a in self.attrs if t == tag and all(a.get(k.rstrip("_")) == v for k, v in want.items())]


@pytest.fixture
def rich_week(content):
    """W22 with every construct the preview must draw at the top of the English body."""
    folder = content / "2026-W22"
    (folder / "img").mkdir()
    (folder / "img" / "red.png").write_bytes(png_bytes(240, 120, (255, 0, 0)))
    path = folder / "en.md"
    head, sep, body = path.read_text(encoding="utf-8").partition("---\n\n")
    path.write_text(head + sep + RICH + body, encoding="utf-8")
    return folder


def check_document(dom: Elements) -> None:
    seen = dom.seen
    assert seen["article.page"] == 2
    assert seen["h1.page-title"] == 2
    assert seen["table.properties"] == 2 and len(dom.find("tr", **{"data-property": "tags"})) == 2
    assert seen["span.tag"] >= 8  # type, status, category and the tags
    assert seen["div.language-link"] == 2
    hrefs = Counter(a["href"] for t, a in dom.attrs if t == "a" and a.get("href", "").startswith("#"))
    assert hrefs == {"#rec-weekly-en-2026-W22": 2, "#rec-weekly-zh-2026-W22": 2}  # the nav bar and each language link
    assert seen["div.callout"] == 3  # two language links and the NOTE alert
    assert seen["details.toggle"] == 1
    assert seen["table.simple-table"] == 1 and seen["th"] >= 2
    assert len(dom.find("figure", class_="block code", **{"data-language": "python"})) == 1
    assert seen["div.equation"] == 1
    assert seen["figure.image"] == 1 and any(
        a.get("src", "").startswith("data:image/png;base64,") for t, a in dom.attrs if t == "img"
    )
    assert seen["h2.heading_2"] >= 12  # the sections, both languages
    text = "".join(dom.text)
    for needle in (
        "Rec Tech Weekly · 2026-W22",
        "推荐技术周报 · 2026-W22",
        "Preview callout from a GitHub alert.",
        "Toggle summary",
        "Hidden toggle paragraph.",
        "AKT-Rec",
        'print("hello, preview")',
        "E = mc^2",
        "中文版",
        "English",
    ):
        assert needle in text, needle


def test_preview_writes_a_standalone_page(cli, env, rich_week, counted):
    out = env / "week.html"
    code, stdout, err = cli("preview", "--week", "W22", "--out", str(out))
    assert code == 0, err
    assert stdout.strip() == str(out)
    assert "open file://" in err
    document = out.read_text(encoding="utf-8")
    check_document(Elements(document))
    assert "<script" not in document and "http://" not in document.replace("http://127.0.0.1", "")  # self-contained
    assert counted["opened"] == 0 and not (env / "state" / "local-notion.sqlite3").exists()


def test_preview_default_location_and_single_language(cli, env):
    code, stdout, err = cli("preview", "--week", "W22", "--lang", "zh")
    assert code == 0, err
    path = Path(stdout.strip())
    assert path == env / "state" / "preview" / "2026-W22.html"
    dom = Elements(path.read_text(encoding="utf-8"))
    assert dom.seen["article.page"] == 1
    assert not [
        a for t, a in dom.attrs if t == "a" and a.get("href", "").startswith("#rec-weekly-")
    ]  # sibling not in this preview


def test_preview_of_invalid_content_fails_clearly(cli, content):
    (content / "2026-W22" / "en.md").write_text("---\ntitle: x\n---\n", encoding="utf-8")
    code, _, err = cli("preview", "--week", "W22")
    assert code == 1
    assert (
        "content/rec-weekly/2026-W22/en.md:1:1: lang: required field is missing: add `lang: …` to the front matter"
        in err
    )


def test_preview_serve(env, tmp_path):
    """`--serve` listens on 127.0.0.1 and re-renders on each request."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "preview", "--week", "W22", "--serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), proc.stderr.read() if proc.poll() is not None else url
        first = httpx.get(url, timeout=30)
        assert first.status_code == 200 and "text/html" in first.headers["content-type"]
        assert "Rec Tech Weekly · 2026-W22" in first.text
        en = env / "content" / "rec-weekly" / "2026-W22" / "en.md"
        en.write_text(
            en.read_text(encoding="utf-8").replace("## Weekly Overview", "## Weekly Overview, edited"), encoding="utf-8"
        )
        assert "Weekly Overview, edited" in httpx.get(url, timeout=30).text
        assert httpx.get(url + "other", timeout=30).status_code == 404
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()


# --------------------------------------------------------------------------- headless Chromium
def chromium() -> str:
    found = shutil.which("chromium") or (Path("/usr/bin/chromium").exists() and "/usr/bin/chromium")
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed but CI=true: .ci/run installs it (apt-get install chromium)")
        pytest.skip("chromium not installed (apt-get install chromium); CI installs it and runs this test")
    return found


def run_chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    command = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=180)


def test_preview_renders_in_headless_chromium(cli, env, rich_week, tmp_path):
    binary = chromium()
    page = env / "preview.html"
    code, _, err = cli("preview", "--week", "W22", "--out", str(page))
    assert code == 0, err

    dom = run_chromium(binary, tmp_path / "profile-dom", "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<html" in dom.stdout[:200], dom.stdout[:300]
    check_document(Elements(dom.stdout))  # what the browser built, not just what we wrote

    shot = tmp_path / "preview.png"
    result = run_chromium(
        binary, tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1280,1600", page.as_uri()
    )
    assert result.returncode == 0 and shot.is_file(), result.stderr[-2000:]
    width, height, pixels = png_pixels(shot.read_bytes())
    assert (width, height) == (1280, 1600)
    colors = Counter(pixels)
    background, most = colors.most_common(1)[0]
    assert background == (255, 255, 255)  # Notion's white page
    assert len(colors) > 50 and most < 0.97 * len(pixels), "screenshot is blank"
    # The local image is drawn: the red PNG shows up as a solid red area (240×120 px at 100 %).
    assert colors[(255, 0, 0)] > 0.8 * 240 * 120
