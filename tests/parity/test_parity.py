"""Differential test: the reference's recorded answers vs ours, field by field.

`tests/parity/fixture.json` holds what `langgraph dev` (langgraph-api 0.16.7) answered to the
scenarios in `bench/parity.py` (re-record with `python -m bench record-parity`). Here the same
scenarios run against a real `doubletext serve`; every difference must be an allowed deviation
(tests/parity/deviations.py, each with its reason), and every allowed deviation must still be
needed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import parity
from tests.api.serve import ServeProcess
from tests.parity.deviations import DEVIATIONS


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("parity")
    config = parity.write_config(base)
    with ServeProcess(base / "data", "--config", str(config)) as server:
        import asyncio

        return asyncio.run(parity.record(server.url))


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads(Path(parity.FIXTURE).read_text())


def test_fixture_was_recorded_from_the_reference(reference: dict) -> None:
    assert reference["version"] == "0.16.7"
    assert set(reference["scenarios"]) == set(parity.SCENARIOS)


def test_answers_match_the_reference_field_by_field(reference: dict, answers: dict) -> None:
    problems, _ = parity.compare(reference, answers, DEVIATIONS)
    assert problems == [], "\n".join(problems)


def test_every_allowed_deviation_is_still_needed(reference: dict, answers: dict) -> None:
    _, used = parity.compare(reference, answers, DEVIATIONS)
    stale = [d.reason for d in DEVIATIONS if d not in used]
    assert stale == [], stale


def test_the_comparison_catches_a_difference(reference: dict, answers: dict) -> None:
    """The differential test can fail: one changed field is reported with its path."""
    tampered = json.loads(json.dumps(answers))
    step = tampered["scenarios"]["threads_and_runs"][0]
    step["body"]["status"] = "busy"
    problems, _ = parity.compare(reference, tampered, DEVIATIONS)
    assert problems == ['threads_and_runs/create thread: body.status: reference="idle" ours="busy"']
