"""Text from data, file names or the URL, made safe for Streamlit's Markdown.

Streamlit renders Markdown in ``st.error``, ``st.info``, ``st.warning``, ``st.success``,
``st.caption``, ``st.markdown``, widget labels, ``help=`` tooltips and ``st.metric``
labels. A touchpoint named ``![x](http://host/x.png)`` would load an image from
anywhere there, ``[sign in](http://host)`` would become a link, ``:red[...]`` a colour
and ``www.host.com`` an automatic link. :func:`md` escapes every ASCII punctuation
character (CommonMark lets each be escaped with a backslash), so the text shows as
written and nothing in it is markup. Every data-derived string that reaches one of
those calls goes through :func:`md`.
"""

from __future__ import annotations

import re

__all__ = ["md"]

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_SPACE = re.compile(r"\s+")


def md(text: object) -> str:
    r"""``text`` as Markdown that shows exactly these characters on one line.

    Examples
    --------
    >>> print(md("![x](http://h/x.png)"))
    \!\[x\]\(http\:\/\/h\/x\.png\)
    >>> print(md("checkout_v2"), md("two\nlines"))
    checkout\_v2 two lines
    """
    return _PUNCTUATION.sub(r"\\\1", _SPACE.sub(" ", str(text)))
