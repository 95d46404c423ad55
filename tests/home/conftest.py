"""The home page draws on every tool: their test fixtures, shared here."""

from tests.assessment.conftest import framework, make_assessment, no_response_counts

__all__ = ["framework", "make_assessment", "no_response_counts"]
