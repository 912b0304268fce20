"""Autoencoder Lab: the entry point. `streamlit run app.py`.

It sets up the page, the language switch (shown on every page, so the choice
persists while moving between them) and the navigation; each page is a file
in `pages/`.
"""

import streamlit as st

from ui.i18n import language_picker, t

st.set_page_config(page_title=t("app.title"), page_icon="🔁", layout="wide")
language_picker()

page = st.navigation([
    st.Page("pages/explorer.py", title=t("app.explorer"), icon="✏️", default=True),
    st.Page("pages/training.py", title=t("app.training"), icon="📉"),
    st.Page("pages/architecture.py", title=t("app.architecture"), icon="🧱"),
])
st.sidebar.caption(t("app.credit"))
page.run()
