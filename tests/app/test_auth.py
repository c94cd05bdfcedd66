"""Optional sign-in: an [auth] section in the secrets turns it on (AppTest mocks st.user)."""

from __future__ import annotations

import pytest

from tests.app.conftest import assert_clean, new_app
from ui.text import md

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "not-a-real-secret",
    "client_id": "cx-journey",
    "client_secret": "not-a-real-secret",
    "server_metadata_url": "https://id.example.com/.well-known/openid-configuration",
}


def _app(auth: dict | None, user: dict):
    at = new_app()
    if auth is not None:
        at.secrets["auth"] = auth
    at.user = user
    return at


@pytest.mark.parametrize("query", [{}, {"scenario": "bank", "funnel_steps": "website_visit"}])
def test_signed_out_sees_only_the_sign_in(query):
    at = _app(AUTH, {"is_logged_in": False})
    at.query_params.update(query)  # a shared link does not get past the sign-in either
    at.run()
    assert [e.value for e in at.exception] == []
    assert [t.value for t in at.title] == ["Sign in"]
    assert [b.label for b in at.button] == ["Sign in"]
    # No data, no sidebar filters, no metric, no table, no navigation to any page.
    assert "cx_loaded" not in at.session_state
    assert len(at.sidebar) == 0
    assert len(at.metric) == 0
    assert len(at.dataframe) == 0


def test_one_button_per_named_provider():
    auth = {"redirect_uri": AUTH["redirect_uri"], "cookie_secret": "x"}
    auth |= {"okta": dict(AUTH), "microsoft": dict(AUTH)}
    at = _app(auth, {"is_logged_in": False}).run()
    assert [b.label for b in at.button] == ["Sign in with microsoft", "Sign in with okta"]


def test_signed_in_sees_the_dashboard_and_who_they_are():
    at = _app(AUTH, {"is_logged_in": True, "name": "Ada <b>L</b>", "email": "ada@example.com"})
    at.run()
    assert_clean(at, "Overview")
    assert f"Signed in as {md('Ada <b>L</b>')}" in [c.value for c in at.sidebar.caption]
    assert at.button(key="auth_logout").label == "Sign out"


def test_sign_out_returns_to_the_sign_in():
    at = _app(AUTH, {"is_logged_in": True, "email": "ada@example.com"}).run()
    at.button(key="auth_logout").click().run()
    assert [t.value for t in at.title] == ["Sign in"]


def test_without_auth_secrets_the_app_is_open():
    at = _app(None, {"is_logged_in": False}).run()
    assert_clean(at, "Overview")
    assert "auth_logout" not in [b.key for b in at.button]
