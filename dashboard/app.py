"""FullPicture dashboard entry point: `fullpicture dashboard` runs this with Streamlit.

Without a session there is only the sign-in page. With one, the menu holds the pages the
person's roles use (read afresh on every run); any other page answers with a refusal.
"""

from __future__ import annotations

import streamlit as st

from dashboard import data, navigation, session
from dashboard.password_change import TITLE, change_password_page, must_choose_new_password
from dashboard.signin import sign_in_page

st.set_page_config(page_title="FullPicture", layout="wide")
wiring = data.wiring()
person = session.signed_in_person(wiring.directory, wiring.settings)
if person is None:
    # Every page's address leads to the sign-in page, and to the page itself once signed in.
    asked_for = st.navigation(
        [
            st.Page(sign_in_page, title="Sign in", url_path="signin", default=True),
            *(
                st.Page(sign_in_page, title="Sign in", url_path=page.url_path)
                for page in navigation.PAGES
            ),
        ],
        position="hidden",
    )
    session.remember_wanted_page(asked_for.url_path)
    asked_for.run()
    st.stop()

session.hand_cookie_to_browser()
if must_choose_new_password(person.user):
    st.navigation(
        [
            st.Page(change_password_page, title=TITLE, url_path="password", default=True),
            *(
                st.Page(change_password_page, title=TITLE, url_path=page.url_path)
                for page in navigation.PAGES
            ),
        ],
        position="hidden",
    ).run()
    st.stop()

allowed = navigation.pages_for(person.roles)
with st.sidebar:
    st.text(person.name)  # as registered: plain text, never markdown
    roles = ", ".join(r.replace("_", " ") for r in person.roles)
    st.caption(f"{person.user} · {roles}" + (f" · {person.agency}" if person.agency else ""))
    if st.button("Sign out"):
        session.sign_out()
pages = {
    page: st.Page(
        page.path,
        title=page.title,
        url_path=page.url_path,
        visibility="visible" if page in allowed else "hidden",
    )
    for page in navigation.PAGES
}


def home() -> None:
    """The address without a page leads to the person's first page, under its own address."""
    st.switch_page(pages[allowed[0]], query_params=st.query_params.to_dict())


chosen = st.navigation(
    [st.Page(home, title="Home", url_path="home", default=True, visibility="hidden")]
    + list(pages.values())
)
refused = next((p for p, shown in pages.items() if shown is chosen and p not in allowed), None)
if refused is not None:
    st.title(refused.title)
    st.error(navigation.refusal(refused))
    st.stop()

chosen.run()
