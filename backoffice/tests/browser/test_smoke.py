"""The back-office opens in a real browser for an agent, and axe-core finds nothing."""

from __future__ import annotations

import pytest

from backoffice.tests.browser.support import axe_violations, log_in_agent

pytestmark = pytest.mark.django_db(transaction=True)


def test_agent_lands_on_the_dashboard(page, live_server, agent) -> None:
    log_in_agent(page, live_server, "agent")
    assert axe_violations(page) == []
