"""A real OpenLDAP server (Debian's slapd) for the single sign-on tests: started on a free local port
in a temporary folder, from a generated slapd.conf (mdb backend), loaded with the test directory
below. .ci/run installs slapd (apt-get install slapd ldap-utils) before the tests."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from jiguan.org.demo import credit_code
from jiguan.org.models import OrgKind

SLAPD = "/usr/sbin/slapd"
SLAPADD = "/usr/sbin/slapadd"
SCHEMA_DIR = Path("/etc/ldap/schema")
MODULE_DIR = Path("/usr/lib/ldap")

BASE = "dc=example,dc=gov"
PEOPLE = f"ou=people,{BASE}"
ADMIN_DN, ADMIN_PASSWORD = f"cn=admin,{BASE}", "Slapd#Admin2026"
READER_DN, READER_PASSWORD = f"cn=reader,{BASE}", "Slapd#Reader2026"
DIRECTORY_PASSWORD = "Dir#Pass2026"  # every person's directory password

# The units' 统一社会信用代码 the directory names (the tests give them to units of the test tree).
CODE_A = credit_code(OrgKind.AGENCY, "350100", 901)
CODE_B = credit_code(OrgKind.AGENCY, "350200", 902)
CODE_NOWHERE = credit_code(OrgKind.AGENCY, "350300", 903)

# uid: (cn, mail, mobile, departmentNumber, employeeType)
PEOPLE_ENTRIES = {
    "zhangsan": ("张三", "zhangsan@example.gov.cn", "13800000001", CODE_A, "staff"),
    "lisi": ("李四", "lisi@example.gov.cn", "13800000002", CODE_B, "staff"),
    "wangwu": ("王五", "wangwu@example.gov.cn", "13800000003", CODE_A, "disabled"),
    "zhaoliu": ("赵六", "zhaoliu@example.gov.cn", "13800000004", CODE_NOWHERE, "staff"),
    "sunqi": ("孙七", "sunqi@example.gov.cn", "13800000005", CODE_B, "staff"),
}


def available() -> str | None:
    """None when slapd can run here, else why not."""
    for path in (SLAPD, SLAPADD, SCHEMA_DIR / "inetorgperson.schema", MODULE_DIR / "back_mdb.la"):
        if not Path(path).exists():
            return f"{path} is missing: apt-get install slapd ldap-utils (.ci/run does)"
    return None


def ssha(password: str) -> str:
    salt = os.urandom(8)
    return "{SSHA}" + base64.b64encode(hashlib.sha1(password.encode() + salt).digest() + salt).decode()


def _ldif() -> str:
    def b64(value: str) -> str:  # non-ASCII values are base64 in LDIF
        return base64.b64encode(value.encode()).decode()

    blocks = [f"dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Test Province\n",
              f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n",
              f"dn: {READER_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n"
              f"cn: reader\nuserPassword: {ssha(READER_PASSWORD)}\n"]
    for uid, (cn, mail, mobile, unit, kind) in PEOPLE_ENTRIES.items():
        blocks.append(f"dn: uid={uid},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn:: {b64(cn)}\n"
                      f"sn:: {b64(cn[0])}\nmail: {mail}\nmobile: {mobile}\ndepartmentNumber: {unit}\n"
                      f"employeeType: {kind}\nuserPassword: {ssha(DIRECTORY_PASSWORD)}\n")
    return "\n".join(blocks)


def _certificates(folder: Path) -> None:
    """A CA of the run and the server's certificate for 127.0.0.1 (ca.pem, server.pem, server.key),
    so StartTLS and ldaps:// are tested with a certificate the client must check."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Jiguan test directory CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    server = (x509.CertificateBuilder()
              .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
              .issuer_name(ca_name).public_key(server_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
              .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                             critical=False)
              .sign(ca_key, hashes.SHA256()))
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "server.pem").write_bytes(server.public_bytes(serialization.Encoding.PEM))
    (folder / "server.key").write_bytes(server_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))


def _config(folder: Path) -> str:
    schemas = "".join(f"include {SCHEMA_DIR / name}.schema\n" for name in ("core", "cosine", "inetorgperson", "nis"))
    return (f"{schemas}pidfile {folder / 'slapd.pid'}\nargsfile {folder / 'slapd.args'}\n"
            f"TLSCACertificateFile {folder / 'ca.pem'}\nTLSCertificateFile {folder / 'server.pem'}\n"
            f"TLSCertificateKeyFile {folder / 'server.key'}\n"
            f"modulepath {MODULE_DIR}\nmoduleload back_mdb\n"
            f"database mdb\nmaxsize 10485760\nsuffix \"{BASE}\"\nrootdn \"{ADMIN_DN}\"\n"
            f"rootpw {ssha(ADMIN_PASSWORD)}\ndirectory {folder / 'data'}\n"
            "access to attrs=userPassword by anonymous auth by * none\n"
            f"access to * by dn.exact=\"{READER_DN}\" read by self read by * none\n")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Slapd:
    uri: str
    ldaps_uri: str
    process: subprocess.Popen
    folder: Path

    @property
    def ca_file(self) -> str:
        return str(self.folder / "ca.pem")

    def connection(self):
        """A connection bound as the directory's administrator (the tests change entries with it)."""
        import ldap3

        return ldap3.Connection(ldap3.Server(self.uri, get_info=ldap3.NONE), ADMIN_DN, ADMIN_PASSWORD,
                                auto_bind=True)

    def replace(self, uid: str, attribute: str, value: str) -> None:
        import ldap3

        with self.connection() as conn:
            assert conn.modify(f"uid={uid},{PEOPLE}", {attribute: [(ldap3.MODIFY_REPLACE, [value])]}), conn.result

    def settings(self) -> dict:
        """JIGUAN_LDAP for this server."""
        return {"URI": self.uri, "START_TLS": False, "CA_FILE": "", "BIND_DN": READER_DN,
                "BIND_PASSWORD": READER_PASSWORD, "USER_BASE": PEOPLE,
                "USER_FILTER": "(&(objectClass=inetOrgPerson)(uid={username}))", "ATTR_NAME": "cn",
                "ATTR_EMAIL": "mail", "ATTR_PHONE": "mobile", "ATTR_UNIT": "departmentNumber",
                "ATTR_DISABLED": "employeeType", "DISABLED_VALUES": ["disabled"], "TIMEOUT": 5}

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def start(timeout: float = 30.0) -> Slapd:
    """Load the test directory with slapadd, start slapd in the foreground and wait until the reader
    account can bind (polling; no fixed wait)."""
    import ldap3
    from ldap3.core.exceptions import LDAPException

    folder = Path(tempfile.mkdtemp(prefix="jiguan-slapd-"))
    (folder / "data").mkdir()
    _certificates(folder)
    (folder / "slapd.conf").write_text(_config(folder))
    (folder / "data.ldif").write_text(_ldif())
    subprocess.run([SLAPADD, "-q", "-f", str(folder / "slapd.conf"), "-l", str(folder / "data.ldif")],
                   check=True, capture_output=True, text=True)
    port, tls_port = _free_port(), _free_port()
    uri, ldaps_uri = f"ldap://127.0.0.1:{port}", f"ldaps://127.0.0.1:{tls_port}"
    log = open(folder / "slapd.log", "w")  # noqa: SIM115 (the server writes to it while it runs)
    process = subprocess.Popen([SLAPD, "-d", "0", "-f", str(folder / "slapd.conf"), "-h", f"{uri}/ {ldaps_uri}/"],
                               stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server = Slapd(uri=uri, ldaps_uri=ldaps_uri, process=process, folder=folder)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            log.close()
            output = (folder / "slapd.log").read_text()
            shutil.rmtree(folder, ignore_errors=True)
            raise RuntimeError(f"slapd exited with {process.returncode}:\n{output}")
        try:
            conn = ldap3.Connection(ldap3.Server(uri, connect_timeout=1, get_info=ldap3.NONE), READER_DN,
                                    READER_PASSWORD, auto_bind=True, receive_timeout=2)
            conn.unbind()
            return server
        except LDAPException:
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"slapd did not answer on {uri} within {timeout} s") from None
            time.sleep(0.05)  # poll again: the server is still starting
