"""Base model of every config section."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """Unknown keys are errors: a typo in the YAML must not pass silently."""

    model_config = ConfigDict(extra="forbid", validate_default=True)
