from __future__ import annotations

import json
import logging

import pytest

from sela_kit.context import request_id_var
from sela_kit.logs import configure_logging


def test_log_lines_are_json_with_service_and_request_id(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging("indices", "INFO")
        token = request_id_var.set("req-7")
        logging.getLogger("sela.test").info("loaded %d rows", 12, extra={"rows": 12})
        request_id_var.reset(token)
        logging.getLogger("sela.test").warning("outside a request")
        first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    assert first["message"] == "loaded 12 rows"
    assert first["level"] == "INFO"
    assert first["service"] == "indices"
    assert first["request_id"] == "req-7"
    assert first["rows"] == 12
    assert first["logger"] == "sela.test"
    assert second["request_id"] is None
