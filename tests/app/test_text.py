import pytest

from ui.text import md


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("![x](http://e.com/a.png)", "\\!\\[x\\]\\(http\u200b\\:\\/\\/e\\.com\\/a\\.png\\)"),
        ("**bold** _it_", r"\*\*bold\*\* \_it\_"),
        (":red[alert] :material/home:", r"\:red\[alert\] \:material\/home\:"),
        ("www.host.com $x$", "www\u200b\\.host\\.com \\$x\\$"),
        # GitHub's automatic links (found after escapes are read) get a zero-width space.
        ("HTTPS://h a@b.co mailto:x", "HTTPS\u200b\\:\\/\\/h a\u200b\\@b\\.co mailto\u200b\\:x"),
        ("# heading\n- item", r"\# heading \- item"),
        ("plain words", "plain words"),
    ],
)
def test_untrusted_text_is_inert_in_markdown(text, shown):
    assert md(text) == shown
