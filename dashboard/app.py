"""FullPicture dashboard entry point: `fullpicture dashboard` runs this with Streamlit."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="FullPicture", layout="wide")
navigation = st.navigation(
    [
        st.Page(
            "pages/chronology.py", title="Child chronology", url_path="chronology", default=True
        ),
        st.Page("pages/patterns.py", title="Patterns", url_path="patterns"),
        st.Page("pages/partnership.py", title="Partnership", url_path="partnership"),
        st.Page("pages/requests.py", title="Requests & follow-ups", url_path="requests"),
        st.Page("pages/record.py", title="Record", url_path="record"),
        st.Page("pages/feeds.py", title="Feeds", url_path="feeds"),
    ]
)
navigation.run()
