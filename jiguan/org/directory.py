"""The province's directory (单位目录, LDAP): check a password and read a person's entry.

A small client of our own on ldap3 (pure Python), not django-auth-ldap: that one needs python-ldap,
which has no wheel on PyPI and builds against libldap's headers, and the quick start must install on
a machine that has only Python (docs/operations.md, "Single sign-on"). Sign-in rules (lockout,
throttle, audit, the account's unit) stay in ``org.services``; this module only talks to the server.

Settings: ``JIGUAN_LDAP`` (jiguan/config/settings/base.py). Off while its URI is empty.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

from django.conf import settings

PPOLICY_LOCKED = "pwdAccountLockedTime"  # set by slapd's ppolicy overlay on a locked entry


class DirectoryUnavailable(Exception):
    """The directory did not answer, or refused the service account's bind."""


@dataclass(frozen=True)
class DirectoryEntry:
    dn: str
    username: str
    full_name: str
    email: str
    phone: str
    unit_code: str
    disabled: bool


def enabled() -> bool:
    return bool(settings.JIGUAN_LDAP["URI"])


def _server(conf):
    import ldap3

    tls = None
    if conf["URI"].lower().startswith("ldaps://") or conf["START_TLS"]:
        tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=conf["CA_FILE"] or None)
    return ldap3.Server(conf["URI"], tls=tls, connect_timeout=conf["TIMEOUT"], get_info=ldap3.NONE)


def _connection(conf, user=None, password=None):
    import ldap3

    connection = ldap3.Connection(_server(conf), user=user, password=password, receive_timeout=conf["TIMEOUT"],
                                  raise_exceptions=False, read_only=True, auto_referrals=False)
    connection.open()
    if conf["START_TLS"] and not conf["URI"].lower().startswith("ldaps://") and not connection.start_tls():
        connection.unbind()  # never go on in the clear when StartTLS was asked for
        raise DirectoryUnavailable(f"StartTLS failed: {connection.result}")
    return connection


def _first(attributes: dict, name: str) -> str:
    if not name:
        return ""
    value = attributes.get(name)
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value or "").strip()


def _entry(conf, username: str, raw) -> DirectoryEntry:
    attributes = raw["attributes"]
    disabled_values = {v.lower() for v in conf["DISABLED_VALUES"]}
    marks = attributes.get(conf["ATTR_DISABLED"]) if conf["ATTR_DISABLED"] else None
    marks = marks if isinstance(marks, list | tuple) else [marks] if marks else []
    disabled = any(str(m).strip().lower() in disabled_values for m in marks) or bool(attributes.get(PPOLICY_LOCKED))
    return DirectoryEntry(dn=raw["dn"], username=username, full_name=_first(attributes, conf["ATTR_NAME"]),
                          email=_first(attributes, conf["ATTR_EMAIL"]), phone=_first(attributes, conf["ATTR_PHONE"]),
                          unit_code=_first(attributes, conf["ATTR_UNIT"]), disabled=disabled)


def find(username: str) -> DirectoryEntry | None:
    """The entry of ``username`` (searched with the service account), or None when there is none or
    more than one."""
    from ldap3.core.exceptions import LDAPException
    from ldap3.utils.conv import escape_filter_chars

    conf = settings.JIGUAN_LDAP
    try:
        connection = _connection(conf, conf["BIND_DN"] or None, conf["BIND_PASSWORD"] or None)
        try:
            if conf["BIND_DN"] and not connection.bind():
                raise DirectoryUnavailable(f"service bind refused: {connection.result.get('description')}")
            wanted = [a for a in (conf["ATTR_NAME"], conf["ATTR_EMAIL"], conf["ATTR_PHONE"], conf["ATTR_UNIT"],
                                  conf["ATTR_DISABLED"], PPOLICY_LOCKED) if a]
            search_filter = conf["USER_FILTER"].replace("{username}", escape_filter_chars(username))
            if not connection.search(conf["USER_BASE"], search_filter, attributes=wanted, size_limit=2):
                if connection.result.get("result") in (0, 32):  # success with no entry, noSuchObject
                    return None
                raise DirectoryUnavailable(f"search failed: {connection.result.get('description')}")
            found = [r for r in connection.response if r.get("type") == "searchResEntry"]
        finally:
            connection.unbind()
    except LDAPException as exc:
        raise DirectoryUnavailable(str(exc)) from exc
    if len(found) != 1:
        return None
    return _entry(conf, username, found[0])


def check_password(entry: DirectoryEntry, password: str) -> bool:
    """True when the directory accepts ``password`` for the entry (a simple bind as its DN). An empty
    password is refused here: LDAP would take it as an anonymous bind and answer success."""
    from ldap3.core.exceptions import LDAPException

    if not password:
        return False
    conf = settings.JIGUAN_LDAP
    try:
        connection = _connection(conf, entry.dn, password)
        try:
            return bool(connection.bind())
        finally:
            connection.unbind()
    except LDAPException as exc:
        raise DirectoryUnavailable(str(exc)) from exc
