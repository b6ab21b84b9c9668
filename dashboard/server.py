"""The dashboard server `fullpicture dashboard` runs: Streamlit's app (`app.py`) with the
session route beside it (`st.App`, Streamlit's supported way to add routes)."""

from __future__ import annotations

import streamlit as st

from dashboard.session_routes import ROUTES

app = st.App("app.py", routes=ROUTES)
