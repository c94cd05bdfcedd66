import pytest

from ui.text import md


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("![x](http://e.com/a.png)", r"\!\[x\]\(http\:\/\/e\.com\/a\.png\)"),
        ("**bold** _it_", r"\*\*bold\*\* \_it\_"),
        (":red[alert] :material/home:", r"\:red\[alert\] \:material\/home\:"),
        ("www.host.com $x$", r"www\.host\.com \$x\$"),
        ("# heading\n- item", r"\# heading \- item"),
        ("plain words", "plain words"),
    ],
)
def test_untrusted_text_is_inert_in_markdown(text, shown):
    assert md(text) == shown
