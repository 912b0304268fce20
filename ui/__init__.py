"""Streamlit helpers shared by the pages: translations, cached resources, settings, pictures."""
