"""Optional sign-in with Streamlit's own ``st.login`` (OpenID Connect).

Sign-in is switched on by configuration alone: when ``.streamlit/secrets.toml`` has an
``[auth]`` section, :func:`gate` shows nothing but a sign-in button to someone not
signed in and stops the script there, before the navigation and any data. Without the
section the app is open, as on a laptop. The section takes Streamlit's keys
(``redirect_uri``, ``cookie_secret``, ``client_id``, ``client_secret``,
``server_metadata_url``), either directly (one provider) or in named sub-sections
``[auth.<provider>]`` (one button per provider); see ``docs/hosting.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import streamlit as st

from ui.ownership import Person
from ui.text import md

__all__ = ["gate", "person", "providers", "required"]


def required() -> bool:
    """Whether sign-in is on: the secrets have an ``[auth]`` section."""
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets


def providers() -> list[str | None]:
    """The providers to offer: the ``[auth.<name>]`` sub-sections, else the one unnamed."""
    named = [name for name, value in st.secrets["auth"].items() if isinstance(value, Mapping)]
    return sorted(named) or [None]


def gate() -> None:
    """Show only the sign-in to someone not signed in (when sign-in is on) and stop there.

    A signed-in person sees who they are and a sign-out button in the sidebar.
    """
    if not required():
        return
    if not st.user.get("is_logged_in", False):
        st.title("Sign in")
        st.write("This dashboard is shared with a team: sign in to see it.")
        for provider in providers():
            label = "Sign in" if provider is None else f"Sign in with {provider}"
            st.button(label, key=f"auth_login_{provider or 'default'}", on_click=_login(provider))
        st.stop()
    with st.sidebar:
        st.caption(f"Signed in as {md(person().label)}")
        st.button("Sign out", key="auth_logout", on_click=st.logout)


def person() -> Person:
    """Who is using the dashboard: the signed-in person (by e-mail), else the team (no sign-in)."""
    if not required() or not st.user.get("is_logged_in", False):
        return Person()
    who = st.user.get("email") or st.user.get("sub")
    name = st.user.get("name")
    return Person(str(who) if who else None, str(name) if name else None)


def _login(provider: str | None) -> Callable[[], None]:
    if provider is None:
        return st.login
    return lambda: st.login(provider)
