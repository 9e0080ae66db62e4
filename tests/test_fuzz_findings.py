"""Bugs schemathesis found (.ci/fuzz_api.py), each pinned by a test of its own."""

from __future__ import annotations

import gc

from tests.conftest import ApiClient


def test_an_export_refused_for_a_bad_filter_leaves_no_half_written_workbook(
    api: ApiClient,
) -> None:
    # The workbook used to be opened before the filter failed; its abandoned sheet writer
    # then raised "I/O operation on closed file" when collected (pytest turns that into an
    # error here, gunicorn printed a traceback per request).
    for fmt in ("xlsx", "csv"):
        response = api.get(f"/api/v1/exports/schools.{fmt}?region=999999")
        assert response.status_code == 422
        assert response.json["errors"] == {"region": ["no region with code '999999'"]}
        gc.collect()
