"""Every page runs through app.py, even when opened by a direct link on a fresh server."""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def through_app() -> None:
    """Rerun through app.py when Streamlit ran this page file on its own.

    A `pages/` folder beside app.py starts Streamlit in its older multipage
    mode, in which a direct link (say /training) to a server that has not yet
    run app.py runs the page file alone: no navigation, no language switch.
    app.py's `st.navigation` ends that mode for the whole process; so does this,
    and the rerun then goes through app.py to the same page.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
