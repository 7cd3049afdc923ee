"""A tiny OpenID Connect provider for the OIDC sign-in tests, served from a thread on a free local
port: discovery, token (authorization code with PKCE), userinfo and JWKS, ID tokens signed RS256 with
a key made for the run (cryptography). The test plays the provider's sign-in page: it hands the
provider a code for the claims of the person who "signed in" there (``issue``)."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID, CLIENT_SECRET = "jiguan", "oidc-client-secret-2026"


class Provider:
    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.issuer_override: str | None = None
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == "/.well-known/openid-configuration":
                    return self.answer(200, provider.discovery())
                if self.path == "/jwks":
                    jwk = json.loads(RSAAlgorithm.to_jwk(provider.key.public_key()))
                    return self.answer(200, {"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]})
                if self.path == "/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    if token not in provider.tokens:
                        return self.answer(401, {"error": "invalid_token"})
                    return self.answer(200, provider.tokens[token])
                return self.answer(404, {"error": "not_found"})

            def do_POST(self):
                if self.path != "/token":
                    return self.answer(404, {"error": "not_found"})
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"]))
                                                      .decode()).items()}
                grant = provider.codes.pop(form.get("code", ""), None)
                if grant is None or (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
                    return self.answer(400, {"error": "invalid_grant"})
                verifier = form.get("code_verifier", "")
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
                if challenge.decode() != grant["code_challenge"]:
                    return self.answer(400, {"error": "invalid_grant", "error_description": "PKCE"})
                access = f"at-{form['code']}"
                provider.tokens[access] = grant["claims"]
                now = int(time.time())
                id_token = jwt.encode({"iss": provider.issuer_override or provider.issuer, "aud": CLIENT_ID,
                                       "sub": grant["claims"]["sub"], "nonce": grant["nonce"], "iat": now,
                                       "exp": now + 300}, provider.key, algorithm="RS256", headers={"kid": "k1"})
                return self.answer(200, {"access_token": access, "token_type": "Bearer", "id_token": id_token,
                                         "expires_in": 300})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def discovery(self) -> dict:
        return {"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token", "userinfo_endpoint": f"{self.issuer}/userinfo",
                "jwks_uri": f"{self.issuer}/jwks", "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code"], "subject_types_supported": ["public"]}

    def issue(self, code: str, *, nonce: str, code_challenge: str, claims: dict) -> None:
        """The person signed in on the provider's page: ``code`` now stands for ``claims``."""
        self.codes[code] = {"nonce": nonce, "code_challenge": code_challenge, "claims": claims}

    def settings(self) -> dict:
        return {"ISSUER": self.issuer, "CLIENT_ID": CLIENT_ID, "CLIENT_SECRET": CLIENT_SECRET,
                "SCOPES": "openid profile email phone", "USERNAME_CLAIM": "preferred_username", "NAME_CLAIM": "name",
                "EMAIL_CLAIM": "email", "PHONE_CLAIM": "phone_number", "UNIT_CLAIM": "unit_code", "TIMEOUT": 5,
                "VERIFY_SSL": True}

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
