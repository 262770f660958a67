"""HTML bodies: what the sanitiser keeps and what the text conversion makes of it."""

from __future__ import annotations

import pytest

from ticketry.mail.parsing.html import html_to_text, sanitize_html, text_to_html


def text_of(html: str) -> str:
    return html_to_text(sanitize_html(html))


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>One</p><p>Two</p>", "One\n\nTwo\n"),
        ("<div>a<br></div><div>b</div>", "a\nb\n"),
        ("a<br><br>b", "a\n\nb\n"),
        ("  lots   of\n\n spaces&nbsp;here ", "lots of spaces here\n"),
        ("<h2>Title</h2>text", "Title\n\ntext\n"),
        ("<ul><li>a</li><li>b</li></ul>", "- a\n- b\n"),
        ('<ol start="1"><li>a</li><li>b</li></ol>', "1. a\n2. b\n"),
        ("<blockquote><p>q1</p><p>q2</p></blockquote>after", "> q1\n>\n> q2\n\nafter\n"),
        ("<blockquote>a<blockquote>b</blockquote></blockquote>", "> a\n>\n> > b\n"),
        ('<a href="https://example.com/x">site</a>', "site <https://example.com/x>\n"),
        ('<a href="https://example.com/">https://example.com/</a>', "https://example.com/\n"),
        ('<a href="mailto:a@example.com">write</a>', "write\n"),
        ("<table><tr><th>k</th><th>v</th></tr><tr><td>1</td><td>2</td></tr></table>", "k v\n1 2\n"),
        ("<pre>a  b\n  c</pre>", "a  b\n  c\n"),
        ("&lt;not a tag&gt; &amp; &#8364; &euro;", "<not a tag> & € €\n"),
        ("<style>p{}</style><script>x()</script><title>t</title>visible", "visible\n"),
        ("", ""),
    ],
)
def test_html_to_text(html: str, text: str):
    assert text_of(html) == text


def test_sanitiser_keeps_safe_formatting():
    html = (
        '<p style="color: red; font-weight: bold; background-image: url(x); position: fixed">'
        '<font color="#f00" face="Arial">a</font> <b>b</b> <i>i</i> <u>u</u></p>'
        '<table border="1"><tr><td colspan="2" align="right">c</td></tr></table>'
    )

    assert sanitize_html(html) == (
        '<p style="color:red;font-weight:bold"><font color="#f00" face="Arial">a</font> '
        "<b>b</b> <i>i</i> <u>u</u></p>"
        '<table border="1"><tbody><tr><td colspan="2" align="right">c</td></tr></tbody></table>'
    )


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
        '<iframe src="https://evil.example.com/"></iframe>',
        '<form action="https://evil.example.com/"><input name="password"></form>',
        '<svg onload="alert(1)"></svg>',
        '<object data="x.swf"></object>',
        '<meta http-equiv="refresh" content="0;url=https://evil.example.com/">',
        "<link rel=stylesheet href=https://evil.example.com/x.css>",
        '<div style="background:url(javascript:alert(1))">x</div>',
    ],
)
def test_sanitiser_removes_active_content(html: str):
    clean = sanitize_html(html)

    for dangerous in ("script", "onerror", "onload", "javascript", "data:", "iframe", "form"):
        assert dangerous not in clean
    for dangerous in ("<input", "<svg", "<object", "<meta", "<link", "url("):
        assert dangerous not in clean


def test_text_to_html_escapes():
    assert text_to_html("a < b & c\nd") == "<div>a &lt; b &amp; c<br>\nd</div>"
