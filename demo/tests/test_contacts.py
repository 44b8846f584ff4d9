"""The demo's service contacts come from the seed letter and load once."""

from __future__ import annotations

import pytest

from core.models import ServiceContact
from demo.contacts import create_contacts


@pytest.mark.django_db
def test_contacts_load_once():
    assert create_contacts() == 2
    assert create_contacts() == 2
    toudic = ServiceContact.objects.get(person="Mme TOUDIC")
    assert toudic.phone == "01 30 13 82 97"
