"""The Streamlit dashboard: one page per user task, reading only through the query layer.

An entry point, on top beside the CLI: it imports the composition root (`fullpicture`) and the
layers below it, never the CLI or a tool; nothing imports it (the CLI starts it as a process).
"""
