"""axe-core finds zero violations on EVERY back-office page, read from the URL conf.

The administrator (every capability) and the crèche agent open each page that answers GET
with HTML, with the sample objects of the permission matrix; a new page is scanned as soon
as it exists. The areas' own browser tests scan the states a journey reaches (errors,
confirmations, completed sheets).
"""

from __future__ import annotations

import pytest
import time_machine

from backoffice.tests.browser.support import axe_violations, log_in_agent
from backoffice.tests.test_permissions import patterns, url_of, world
from conftest import paris

pytestmark = pytest.mark.django_db(transaction=True)

__all__ = ["world"]  # the fixture, imported for pytest


@pytest.fixture
def clock():
    with time_machine.travel(paris(2026, 4, 2, 9, 0), tick=True) as traveller:
        yield traveller


@pytest.mark.parametrize(
    ("username", "scope"), [("administrateur", "school"), ("creche-agent", "creche")]
)
def test_every_html_page_has_no_axe_violation(
    request, page, live_server, clock, world, administrator, early_childhood_agent, username, scope
) -> None:
    log_in_agent(page, live_server, username)
    scanned, problems = [], {}
    for pattern in patterns():
        url = url_of(pattern, world[scope])
        probe = page.request.get(live_server.url + url, max_redirects=0)  # the session's cookies
        if probe.status in (403, 404, 405):
            continue  # POST-only actions, or outside this agent's scope
        assert probe.status == 200, f"{url}: {probe.status}"
        if not probe.headers.get("content-type", "").startswith("text/html"):
            continue  # CSV, PDF, proofs
        page.goto(live_server.url + url)
        scanned.append(url)
        violations = axe_violations(page)
        if violations:
            problems[url] = violations
    assert problems == {}
    assert len(scanned) >= (15 if scope == "school" else 5), scanned
