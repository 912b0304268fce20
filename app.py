"""Autoencoder Lab: the entry point. `streamlit run app.py`.

It sets up the page, the language switch (shown on every page, so the choice
persists while moving between them) and the navigation; each page is a file
in `pages/`.
"""

import gc

import streamlit as st

from ui.i18n import language_picker, t


@st.cache_resource(show_spinner=False)
def freeze_library_objects() -> None:
    """Take TensorFlow's objects out of every later garbage collection, once per process.

    Streamlit collects all garbage after every script and fragment run (twice
    once Keras is loaded). Over TensorFlow's ~400,000 objects each collection
    holds the GIL for 0.2-0.9 s, which slowed a training thread six-fold with
    one page refreshing every second. Frozen objects are skipped.
    """
    import keras  # noqa: F401 - loads TensorFlow, whose objects are the ones to freeze

    gc.freeze()


freeze_library_objects()
st.set_page_config(page_title=t("app.title"), page_icon="🔁", layout="wide")
language_picker()

page = st.navigation([
    st.Page("pages/explorer.py", title=t("app.explorer"), icon="✏️", default=True),
    st.Page("pages/training.py", title=t("app.training"), icon="📉"),
    st.Page("pages/architecture.py", title=t("app.architecture"), icon="🧱"),
])
st.sidebar.caption(t("app.credit"))
page.run()
