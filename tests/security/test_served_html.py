"""Issue 13 items 5 and 6: every HTML the bot renders allow-lists URL schemes and escapes
text; the preview and local servers answer only requests addressed to them (DNS rebinding);
a non-loopback `bot local serve --host` warns; the preview's error page is escaped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import httpx
import pytest

from bot.editor.preview import render_live_page

from .conftest import assert_clean

HOSTILE = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "\x01javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
]


def _page(blocks):
    page = {
        "id": "p1",
        "properties": {
            "Name": {"type": "title", "title": [{"type": "text", "text": {"content": "T"}, "plain_text": "T"}]}
        },
    }
    return render_live_page(page, blocks)


def _text(content, url):
    return {
        "type": "text",
        "text": {"content": content, "link": {"url": url}},
        "plain_text": content,
        "annotations": {},
    }


@pytest.mark.parametrize("url", HOSTILE)
def test_no_hostile_url_becomes_a_live_link_or_image(url):
    blocks = [
        {"type": "paragraph", "paragraph": {"rich_text": [_text("click", url)]}},
        {"type": "bookmark", "bookmark": {"url": url}},
        {"type": "embed", "embed": {"url": url}},
        {"type": "image", "image": {"type": "external", "external": {"url": url}, "caption": []}},
    ]
    html = _page(blocks)
    lowered = html.lower().replace("\t", "").replace("\x01", "")
    for attr in ('href="', 'src="'):
        for start in [i for i in range(len(lowered)) if lowered.startswith(attr, i)]:
            value = lowered[start + len(attr) :].lstrip()
            assert not value.startswith(("javascript:", "data:text", "vbscript:")), html
    assert "<script>" not in html


def test_allowed_links_stay_links():
    html = _page(
        [
            {
                "type": "paragraph",
                "paragraph": {
                    "rich_text": [_text("web", "https://example.com/a?b=1&c=2"), _text("mail", "mailto:a@example.com")]
                },
            },
            {"type": "bookmark", "bookmark": {"url": "https://example.com/x"}},
        ]
    )
    assert 'href="https://example.com/a?b=1&amp;c=2"' in html and 'href="mailto:a@example.com"' in html
    assert 'href="https://example.com/x"' in html


def test_local_server_checks_the_host_header_and_sends_a_csp(served):
    from bot.local import serve

    ws, _ = served
    handle = serve(ws, port=0, page_renderer=render_live_page)  # as `bot local serve` runs it
    with handle, httpx.Client() as http:
        ok = http.get(
            f"{handle.url}/v1/users/me",
            headers={"Authorization": f"Bearer {ws.bot_token}", "Notion-Version": "2025-09-03"},
        )
        assert ok.status_code == 200
        rebound = http.get(
            f"{handle.url}/v1/users/me",
            headers={"Host": "evil.example", "Authorization": f"Bearer {ws.bot_token}", "Notion-Version": "2025-09-03"},
        )
        assert rebound.status_code == 421
        assert http.get(f"{handle.url}/p/nope", headers={"Host": "evil.example:80"}).status_code == 421
        page = http.get(f"{handle.url}/p/nope", headers={"Host": "localhost"})
        assert page.status_code == 404 and "script-src" not in page.headers.get("content-security-policy", "x")
        assert "default-src 'none'" in page.headers["content-security-policy"]


def test_local_serve_on_a_non_loopback_host_warns(env, cli):
    # 192.0.2.1 (TEST-NET-1) is never this machine's: the bind fails, after the warning.
    code, out, err = cli("local", "serve", "--host", "192.0.2.1", "--port", "0")
    assert_clean(out, err)
    assert "WARNING: --host 192.0.2.1 exposes this workspace" in err
    assert "/p/<id> pages and /files/<id> need no token" in err
    assert code == 1 and "cannot listen on 192.0.2.1" in err


def test_only_loopback_hosts_are_quiet(capsys):
    from bot.cli.local import warn_if_exposed

    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        warn_if_exposed(host, "t")
    assert capsys.readouterr().err == ""
    for host in ("0.0.0.0", "::", "192.168.1.5", "example.com"):
        warn_if_exposed(host, "local-bot-token")
        assert f"WARNING: --host {host} exposes" in capsys.readouterr().err


def test_preview_serve_escapes_its_error_page_and_checks_the_host(env, mini):
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "preview", "--week", "W22", "--serve", "--port", "0", "-q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), proc.stderr.read() if proc.poll() is not None else url
        with httpx.Client(timeout=30) as http:
            assert http.get(url).status_code == 200
            assert http.get(url, headers={"Host": "attacker.example"}).status_code == 421
            # break the content so the page shows the error: the error quotes the author's text
            en = mini / "rec-weekly" / "2026-W22" / "en.md"
            en.write_text(
                en.read_text(encoding="utf-8").replace(
                    "tags: [Weekly]", "tags: [Weekly]\n<script>alert(1)</script>: x"
                ),
                encoding="utf-8",
            )
            page = http.get(url)
        assert page.status_code == 500
        assert "<script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "default-src 'none'" in page.headers["content-security-policy"]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    assert "Traceback" not in err
