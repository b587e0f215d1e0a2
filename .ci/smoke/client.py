"""HTTP smoke test of a production install (stdlib only: runs with any python3).

Talks to gunicorn on loopback as a TLS-terminating proxy would (X-Forwarded-Proto: https), so
the production security settings stay on: secure cookies, SSL redirect, HSTS, strict CSRF
referer checks. Fails (exit 1) on any 5xx or any unexpected answer, and prints one line per
request. Two-step sign-in is on: the investigator (a role that requires it) enters the code of
the authenticator app that .ci/smoke/seed.py gave them, computed here (RFC 6238) from the key
both derive from SMOKE_PASSWORD.

    python3 client.py BASE_URL SEED_JSON
"""

import hashlib
import hmac
import http.client
import json
import os
import re
import struct
import sys
import time
import urllib.parse

BASE = sys.argv[1].rstrip("/")
SEED = json.loads(sys.argv[2])
PASSWORD = os.environ["SMOKE_PASSWORD"]
HOST = urllib.parse.urlsplit(BASE).netloc
TOTP_KEY = bytes.fromhex(hashlib.sha256(f"smoke-totp:{PASSWORD}".encode()).hexdigest()[:40])
failures: list[str] = []
_last_step = -1


def app_code() -> str:
    """The authenticator app's 6-digit code (TOTP, 30 s, SHA-1), never twice for one step: a
    second code within 30 s is the next step's, which the server's one-step tolerance takes."""
    global _last_step
    step = max(int(time.time()) // 30, _last_step + 1)
    _last_step = step
    digest = hmac.new(TOTP_KEY, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


class Browser:
    """One user's cookie jar; cookies are kept whatever their Secure flag (we are the proxy)."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, method, path, *, body=None, headers=None):
        conn = http.client.HTTPConnection(HOST, timeout=60)
        sent = {"Host": HOST, "X-Forwarded-Proto": "https", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if isinstance(body, dict):
            body = urllib.parse.urlencode(body)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        conn.close()
        return response.status, dict(response.getheaders()), data

    def login(self, username, *, two_step: bool = False):
        status, _, page = self.request("GET", "/accounts/login/")
        expect(status == 200, f"login page {status}")
        token = csrf_token(page)
        status, headers, _ = self.request(
            "POST",
            "/accounts/login/",
            body={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"https://{HOST}/accounts/login/"},
        )
        expect(status == 302, f"log in as {username}: {status}")
        expect(headers.get("Location", "").rstrip("/") in ("", "/"), "login goes home")
        if two_step:
            self.second_step(username)

    def second_step(self, username):
        """Two-step sign-in is on in production: home asks for the app's code first."""
        status, headers, _ = self.request("GET", "/")
        verify = headers.get("Location", "")
        expect(
            status == 302 and verify.startswith("/accounts/two-step/"),
            f"{username}: the password alone does not open the home page ({status} {verify})",
        )
        status, _, page = self.request("GET", verify)
        expect(status == 200 and b"6-digit code" in page, f"{username}: code page ({status})")
        status, headers, _ = self.request(
            "POST",
            "/accounts/two-step/",
            body={"code": app_code(), "next": "/", "csrfmiddlewaretoken": csrf_token(page)},
            headers={"Referer": f"https://{HOST}{verify}"},
        )
        expect(
            status == 302 and headers.get("Location") == "/",
            f"{username}: the app's code is accepted ({status})",
        )


def csrf_token(page: bytes) -> str:
    return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()


def expect(condition: bool, what: str) -> None:
    print(("ok    " if condition else "FAIL  ") + what, flush=True)
    if not condition:
        failures.append(what)


def get(browser, path, *, contains: bytes = b"", status=200, headers=None):
    code, head, body = browser.request("GET", path, headers=headers)
    expect(code < 500, f"GET {path} is not a server error ({code})")
    expect(code == status, f"GET {path} → {code} (expected {status})")
    if contains:
        expect(contains in body, f"GET {path} shows {contains.decode()!r}")
    return code, head, body


anonymous = Browser()
get(anonymous, "/accounts/login/", contains=b"csrfmiddlewaretoken")
code, head, _ = anonymous.request("GET", "/")
expect(code == 302 and "/accounts/login/" in head.get("Location", ""), "home asks to log in")
# A plain-HTTP request (no proxy header) is redirected to HTTPS by the production settings.
conn = http.client.HTTPConnection(HOST, timeout=30)
conn.request("GET", "/accounts/login/", headers={"Host": HOST})
plain = conn.getresponse()
expect(plain.status == 301 and plain.getheader("Location", "").startswith("https://"), "HTTPS")
conn.close()
# Static files are served (whitenoise, collected and hashed by collectstatic).
_, _, login_page = anonymous.request("GET", "/accounts/login/")
css = re.search(rb'href="(/static/[^"]+\.css)"', login_page)
expect(css is not None, "login page links a stylesheet")
if css:
    get(anonymous, css.group(1).decode())

investigator = Browser()
investigator.login(SEED["investigator"], two_step=True)
get(investigator, "/", contains=SEED["subject"].encode())
get(investigator, f"/patients/{SEED['patient']}/", contains=SEED["subject"].encode())
get(investigator, "/patients/")
get(investigator, "/dashboard/")
get(investigator, "/help/")

statistician = Browser()
statistician.login(SEED["statistician"])
get(statistician, "/exports/", contains=b"ODM")
get(statistician, "/dashboard/")
_, head, odm = get(statistician, "/exports/odm.xml", contains=b"<ODM")
expect(SEED["subject"].encode() in odm, "the ODM file holds the smoke patient")
get(statistician, "/exports/DM.csv", contains=SEED["subject"].encode())

api = Browser()
code, _, body = api.request(
    "POST",
    "/api/v1/auth/token/",
    body=json.dumps({"username": SEED["statistician"], "password": PASSWORD}),
    headers={"Content-Type": "application/json"},
)
expect(code in (200, 201), f"API token issued ({code})")
token = json.loads(body).get("token", "") if code in (200, 201) else ""
# The investigator's token needs the app's code too ("otp").
for otp, wanted in ((None, 400), (app_code(), 200)):
    sent = {"username": SEED["investigator"], "password": PASSWORD}
    if otp:
        sent["otp"] = otp
    code, _, _ = api.request(
        "POST",
        "/api/v1/auth/token/",
        body=json.dumps(sent),
        headers={"Content-Type": "application/json"},
    )
    expect(code == wanted, f"investigator's API token {'with' if otp else 'without'} code: {code}")
auth = {"Authorization": f"Token {token}", "Accept": "application/json"}
_, _, body = get(api, "/api/v1/patients/", headers=auth)
expect(SEED["subject"].encode() in body, "API patient list holds the smoke patient")
get(api, "/api/v1/exports/domains/", headers=auth)

# The save's deviation check went through the outbox to a real worker (no sweep was run).
deadline = time.monotonic() + 90
found = False
while time.monotonic() < deadline and not found:
    _, _, body = api.request("GET", "/api/v1/deviations/", headers=auth)
    found = b"eligibility" in body.lower()
    if not found:
        time.sleep(1)
expect(found, "the enrolment waiver's deviation was flagged by a worker")

if failures:
    print(f"{len(failures)} smoke check(s) failed", file=sys.stderr)
    sys.exit(1)
print("production smoke: all checks passed")
