"""Text from data, file names or the URL, made safe for Streamlit's Markdown.

Streamlit renders Markdown in ``st.error``, ``st.info``, ``st.warning``, ``st.success``,
``st.caption``, ``st.markdown``, widget labels, ``help=`` tooltips and ``st.metric``
labels. A touchpoint named ``![x](http://host/x.png)`` would load an image from
anywhere there, ``[sign in](http://host)`` would become a link, ``:red[...]`` a colour
and ``www.host.com``, ``http://host`` or ``a@host.com`` an automatic link. :func:`md`
escapes every ASCII punctuation character (CommonMark lets each be escaped with a
backslash), so the text shows as written and nothing in it is markup; and since GitHub's
automatic links are found in the text after escapes are read (an escaped
``http://host`` still becomes a link), it puts an invisible zero-width space where one would start (after
``http``, ``https``, ``www``, ``mailto``, ``xmpp``, before ``@``). Every data-derived
string that reaches one of those calls goes through :func:`md`.
"""

from __future__ import annotations

import re

__all__ = ["md"]

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_SPACE = re.compile(r"\s+")
#: Where GitHub-flavoured Markdown's automatic links start: a zero-width space goes there.
_AUTOLINK = re.compile(
    r"(?i)(?<=https)(?=:)|(?<=http)(?=:)|(?<=www)(?=\.)|(?<=mailto)(?=:)|(?<=xmpp)(?=:)|(?=@)"
)
_BREAK = "\u200b"


def md(text: object) -> str:
    r"""``text`` as Markdown that shows exactly these characters on one line.

    Examples
    --------
    >>> print(md("![x](h/x.png)"))
    \!\[x\]\(h\/x\.png\)
    >>> print(md("checkout_v2"), md("two\nlines"))
    checkout\_v2 two lines
    >>> md("http://h") == "http\u200b\\:\\/\\/h"  # a zero-width space: no automatic link
    True
    """
    text = _AUTOLINK.sub(_BREAK, _SPACE.sub(" ", str(text)))
    return _PUNCTUATION.sub(r"\\\1", text)
