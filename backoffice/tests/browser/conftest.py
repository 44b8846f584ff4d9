"""Back-office browser tests share the portal's Chromium fixtures (and its skip rule)."""

from portal.tests.browser.conftest import browser, page

__all__ = ["browser", "page"]
