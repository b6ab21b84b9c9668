"""FullPicture dashboard entry point: `fullpicture dashboard` runs this with Streamlit."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

PAGES = Path(__file__).parent / "pages"

st.set_page_config(page_title="FullPicture", layout="wide")
navigation = st.navigation(
    [st.Page(str(PAGES / "chronology.py"), title="Child chronology", default=True)]
)
navigation.run()
