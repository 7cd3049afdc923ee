import pytest
from django.test import override_settings

from . import slapd as slapd_server


@pytest.fixture(scope="session")
def slapd():
    """A real slapd with the test directory (jiguan/org/tests/slapd.py), one per test process."""
    missing = slapd_server.available()
    if missing:
        pytest.skip(f"the LDAP tests need Debian's slapd: {missing}")
    server = slapd_server.start()
    yield server
    server.stop()


@pytest.fixture
def ldap_on(slapd):
    """JIGUAN_LDAP pointed at the test slapd."""
    with override_settings(JIGUAN_LDAP=slapd.settings()):
        yield slapd
