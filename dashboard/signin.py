"""The sign-in page: all a browser without a session ever sees."""

from __future__ import annotations

import streamlit as st

from dashboard import data, session
from dashboard.plain_text import plain
from domain.sign_in import LOCAL_SIGNIN_ADMINISTRATORS, LOCAL_SIGNIN_OFF, SignInRefused


def sign_in_page() -> None:
    wiring = data.wiring()
    settings = wiring.settings
    st.title("Sign in to FullPicture")
    notice = st.session_state.get(session.NOTICE)
    if notice:
        st.info(notice)
    refused = st.session_state.get(session.REFUSED_IDENTITY)
    if refused:
        st.error(
            "The identity provider signed you in, but that identity is not linked to anyone who "
            "is registered in FullPicture (a first sign-in is linked only by an e-mail the "
            "provider has verified, matching one person not linked yet). Ask an administrator "
            "to link you (fullpicture user link)."
        )
        st.text(f"Signed in at the identity provider as: {refused}")
        if st.button("Sign out of the identity provider"):
            st.session_state.clear()
            st.logout()
    provider_button = settings.oidc is not None and not refused
    if provider_button and session.provider_sign_in_asked():
        st.login()
    if provider_button and st.button(
        "Sign in with the partnership's identity provider", type="primary"
    ):
        session.sign_in_at_provider()
    if settings.local_signin == LOCAL_SIGNIN_OFF:
        st.caption("Local passwords are switched off here.")
        return
    if settings.oidc is not None:
        st.caption(
            "Or with a local account (administrators only):"
            if settings.local_signin == LOCAL_SIGNIN_ADMINISTRATORS
            else "Or with a local account:"
        )
    with st.form("sign-in"):
        user_name = st.text_input("User name")
        password = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Sign in")
    if submitted:
        try:
            session.sign_in_with_password(wiring.directory, settings, user_name, password)
        except SignInRefused as refusal:
            st.error(f"Not signed in: {plain(refusal)}")
        else:
            st.rerun()
    if settings.demo:
        show_demo_accounts()


def show_demo_accounts() -> None:
    """Demo mode only: the demo's people, so anyone trying the demo can sign in as each role."""
    from fullpicture.demo_accounts import DEMO_PASSWORD, DEMO_PEOPLE

    directory = data.wiring().directory
    accounts = [
        {"user name": user, "role": role.replace("_", " "), "agency": agency or "—"}
        for user, _, role, agency in DEMO_PEOPLE
        if directory.person(user) is not None
    ]
    if accounts:
        st.divider()
        st.subheader("Demo accounts")
        st.caption(f"Synthetic people of the demo partnership. Password for each: {DEMO_PASSWORD}")
        st.dataframe(accounts, hide_index=True)
