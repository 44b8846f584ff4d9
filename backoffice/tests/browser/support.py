"""Helpers of the back-office browser tests: log an agent in, scan a page with axe-core."""

from __future__ import annotations

from playwright.sync_api import Page, expect

PASSWORD = "demo-marelle-2026"


def axe_violations(page: Page) -> list[str]:
    """Return the axe-core violations of the page as `id: help` lines (empty when clean)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']}: {v['help']}" for v in results.response["violations"]]


def log_in_agent(page: Page, live_server, username: str) -> None:
    """Log an agent in through the real login page; agents land on the dashboard."""
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant famille ou e-mail").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{live_server.url}/gestion/")
