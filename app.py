"""Autoencoder Lab: the entry point. `streamlit run app.py`.

It sets up the page, the language switch (shown on every page, so the choice
persists while moving between them) and the navigation; each page is a file
in `pages/`.
"""

import streamlit as st

from ui.i18n import language_picker, t
from ui.resources import settle_tensorflow
from ui.training_run import PAGE_RUNS

settle_tensorflow()
st.set_page_config(page_title=t("app.title"), page_icon=":material/autorenew:", layout="wide")
language_picker()

page = st.navigation([
    st.Page("pages/explorer.py", title=t("app.explorer"), icon=":material/draw:", default=True),
    st.Page("pages/training.py", title=t("app.training"), icon=":material/show_chart:"),
    st.Page("pages/architecture.py", title=t("app.architecture"), icon=":material/layers:"),
])
st.sidebar.caption(t("app.credit"))
with PAGE_RUNS.running(page.url_path):  # trainings wait between batches while pages run
    page.run()
