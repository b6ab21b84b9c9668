"""The dashboard's connection to the read models, made once per server process."""

from __future__ import annotations

import streamlit as st

from fullpicture.bootstrap import Wiring, bootstrap


@st.cache_resource
def wiring() -> Wiring:
    return bootstrap()
