"""Shared test settings. Hypothesis profiles: the default keeps CI quick; set
HPF_HYPOTHESIS_PROFILE=thorough for a long soak (10x the examples of the default)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=200, print_blob=True)
settings.register_profile(
    "thorough", max_examples=2000, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HPF_HYPOTHESIS_PROFILE", "default"))
