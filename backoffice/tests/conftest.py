"""Back-office fixtures: one login per staff role (the root conftest has agent, animateur,
finance), and a client logged in as any of them."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from catalog.models import Site

PASSWORD = "demo-marelle-2026"


@pytest.fixture
def early_childhood_agent(db: None) -> User:
    return User.objects.create_user(
        username="creche-agent", password=PASSWORD, role=User.Role.EARLY_CHILDHOOD_AGENT
    )


@pytest.fixture
def administrator(db: None) -> User:
    return User.objects.create_user(
        username="administrateur", password=PASSWORD, role=User.Role.ADMINISTRATOR
    )


@pytest.fixture
def other_site(db: None) -> Site:
    return Site.objects.create(name="École Jean Racine", kind=Site.Kind.ELEMENTARY_SCHOOL)


def client_for(user: User) -> Client:
    """Return a test client logged in as `user`."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def agent_client(agent: User) -> Client:
    return client_for(agent)
