"""Markdown rendering and sanitising (nh3): XSS payloads come out harmless."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from knowledge.rendering import diff_lines, highlight, render_markdown, snippet

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    "<img src=x onerror=alert(1)//",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="jav&#x09;ascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    "<svg><script>alert(1)</script></svg>",
    "<style>body{display:none}</style>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="evil.swf"></object><embed src="evil.swf">',
    '<form action="https://evil.example"><input name=a><button>go</button></form>',
    '<body onload="alert(1)">',
    '<div onmouseover="alert(1)">hover</div>',
    '<details open ontoggle="alert(1)">x</details>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<a href="vbscript:msgbox(1)">x</a>',
    "<!--<script>alert(1)</script>-->",
    '"><script>alert(1)</script>',
    "```\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
]

DANGEROUS_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "style",
    "svg",
    "math",
    "form",
    "meta",
    "base",
    "input",
    "body",
    "link",
}


class TagAudit(HTMLParser):
    """Collects what a browser would treat as markup: tags and attributes (text is harmless)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in DANGEROUS_TAGS:
            self.problems.append(f"tag {tag}")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcdoc", "formaction"):
                self.problems.append(f"attr {name}")
            if name in ("href", "src", "xlink:href", "action") and value is not None:
                scheme = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                if scheme.startswith(("javascript:", "vbscript:", "data:")):
                    self.problems.append(f"url {value}")


def audit(html: str) -> list[str]:
    parser = TagAudit()
    parser.feed(html)
    parser.close()
    return parser.problems


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_are_neutralised(payload):
    html = render_markdown(f"before\n\n{payload}\n\nafter")
    assert audit(html) == [], (payload, html)
    assert "before" in html and "after" in html


def test_audit_catches_the_raw_payloads():
    # the checker itself would have caught them without sanitising
    assert audit('<img src=x onerror="alert(1)">') and audit('<a href="javascript:alert(1)">x</a>')
    assert audit("<script>alert(1)</script>") and audit('<a href="data:text/html,x">x</a>')


def test_tables_code_blocks_and_links_render():
    html = render_markdown(
        "# 見出し\n\n| 項目 | 値 |\n|---|---|\n| リード | 300 |\n\n```python\nprint('<b>hi</b>')\n```\n\n"
        "[公式](https://example.com) and <mark>ok</mark>"
    )
    assert "<table>" in html and "<td>リード</td>" in html
    assert "<pre><code" in html and "&lt;b&gt;hi&lt;/b&gt;" in html
    assert 'href="https://example.com"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert "<h1>見出し</h1>" in html


def test_highlight_escapes_everything_but_the_marks():
    out = highlight("<b>ウェビナー</b> & 集客", ["ウェビナー", "集客"])
    assert out == "&lt;b&gt;<mark>ウェビナー</mark>&lt;/b&gt; &amp; <mark>集客</mark>"
    assert "<mark>" in highlight("Webinar Playbook", ["webinar"])


def test_snippet_is_a_window_around_the_first_hit():
    text = "あ" * 300 + "ウェビナーの集客" + "い" * 300
    out = snippet(text, ["集客"], width=20)
    assert out.startswith("…") and out.endswith("…") and "<mark>集客</mark>" in out
    assert len(out) < 80


def test_diff_lines_marks_inserts_and_deletes():
    lines = diff_lines("a\nb\nc", "a\nB\nc\nd")
    assert ("del", "b") in lines and ("ins", "B") in lines and ("ins", "d") in lines and ("same", "a") in lines
