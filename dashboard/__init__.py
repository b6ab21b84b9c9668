"""The Streamlit dashboard: one page per user task, reading only the read models."""
