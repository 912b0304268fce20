"""Deployment limits: what a hosted server lets its visitors train.

Each limit is read, first found wins, from an environment variable
(`AE_LAB_MAX_EPOCHS=10`), then from Streamlit's secrets (Community Cloud's
way: a `[lab]` table with `max_epochs = 10`), then from the defaults below.
A value that is not a positive whole number is skipped with a log warning,
so a typo in a deployment falls back to a safe value instead of breaking the page.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import streamlit as st

log = logging.getLogger(__name__)

ENV_PREFIX = "AE_LAB_"
SECRETS_TABLE = "lab"


@dataclass(frozen=True)
class Limits:
    max_epochs: int = 50  # the tutorial's fit(epochs=50)
    max_train_images: int = 60_000  # all of MNIST's training set
    max_concurrent_trainings: int = 1  # two cores are busy enough with one


def limits() -> Limits:
    """The limits in force now (cheap: read on every rerun, so a change needs no restart)."""
    secrets = _secrets_table()
    defaults = Limits()
    return Limits(**{
        name: _first_valid(name, secrets, getattr(defaults, name))
        for name in Limits.__dataclass_fields__
    })


def _first_valid(name: str, secrets: dict, default: int) -> int:
    sources = [
        (f"${ENV_PREFIX}{name.upper()}", os.environ.get(ENV_PREFIX + name.upper())),
        (f"secrets [{SECRETS_TABLE}] {name}", secrets.get(name)),
    ]
    for where, value in sources:
        if value is None:
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 0
        if number >= 1:
            return number
        log.warning("Ignoring %s = %r: expected a whole number of at least 1.", where, value)
    return default


def _secrets_table() -> dict:
    """`st.secrets["lab"]` as a plain dict; empty without a secrets file or that table."""
    try:
        return dict(st.secrets.get(SECRETS_TABLE) or {})
    except Exception as error:  # no secrets.toml (the usual case), or one that does not parse
        log.debug("No deployment limits in Streamlit secrets: %s", error)
        return {}
