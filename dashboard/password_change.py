"""The only page for a person whose password an administrator reset: they choose a new one
before anything else, so a reset password never becomes a way to act as them unnoticed."""

from __future__ import annotations

import streamlit as st

from dashboard import data, session
from dashboard.plain_text import plain
from domain.errors import DomainError

TITLE = "Choose a new password"


def must_choose_new_password(user: str) -> bool:
    """A local sign-in with a password someone else set (an identity provider's is not)."""
    signed_in = session.current()
    return (
        signed_in is not None
        and signed_in.method == session.PASSWORD
        and data.wiring().directory.must_change_password(user)
    )


def change_password_page() -> None:
    user = session.user()
    st.title(TITLE)
    st.info("An administrator reset your password. Choose a new one to go on.")
    with st.form("new-password"):
        password = st.text_input("New password", type="password")
        again = st.text_input("New password again", type="password")
        submitted = st.form_submit_button("Save the new password")
    if not submitted:
        return
    if password != again:
        st.error("The two passwords differ.")
        return
    try:
        data.wiring().queries.change_password(user, user, password)
    except DomainError as problem:
        st.error(plain(problem))
    else:
        st.rerun()
