"""Front matter `icon:` is a page icon, and Notion takes only a single emoji there: a word or two
emoji is a located error in `bot validate` and stops `bot publish` before any write."""

from __future__ import annotations

import pytest

from .conftest import page_count

EN = "2026-W22/en.md"


@pytest.mark.parametrize("icon", ["books", "📚📚", "x"])
def test_icon_that_is_not_one_emoji_is_a_located_error(cli, env, content, icon):
    path = content / EN
    text = path.read_text(encoding="utf-8")
    assert 'icon: "📚"\n' in text
    path.write_text(text.replace('icon: "📚"\n', f'icon: "{icon}"\n', 1), encoding="utf-8")
    code, out, err = cli("validate")
    assert code == 1, (out, err)
    assert f"{content / EN}:14:" in out and "icon: expected a single emoji such as 📚" in out, out
    code, out, err = cli("publish", "--week", "W22")
    assert code == 1 and "nothing was published" in err, (out, err)
    assert page_count(env) == 0


@pytest.mark.parametrize("icon", ["👩‍💻", "⚜️", "🇨🇳"])
def test_one_emoji_of_several_code_points_is_accepted(cli, content, icon):
    path = content / EN
    path.write_text(path.read_text(encoding="utf-8").replace('icon: "📚"\n', f'icon: "{icon}"\n', 1), encoding="utf-8")
    code, out, err = cli("validate")
    assert code == 0, out + err
