"""The document size limit: its default and the range modelops.yaml may set it to. Plain
numbers, apart from the pydantic kinds, so the warm `validate` reads them without pydantic."""

from __future__ import annotations

DEFAULT_MAX_BYTES = 1_048_576  # per document file; modelops.yaml may change it
MIN_FILE_LIMIT, MAX_FILE_LIMIT = 1024, 64 * 1_048_576  # what modelops.yaml may set
