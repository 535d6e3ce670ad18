"""The load test's simulated users (run by bench/load.py; LOAD_PLAN names the world's plan
written by bench/load_world.py). Each user logs in once, as a browser does (the login form's
CSRF token, then the session cookie; later POSTs send the CSRF cookie's token in the
X-CSRFToken header as htmx does), with an account of its own, then works:

- Officer: saves the values of the items given to it in the open cycle (htmx, the version
  read from the page or the last answer), uploads a small PDF linked to one of its items,
  reloads its self-assessment page now and then;
- Appraiser: accepts or adjusts (0 points, "không đáp ứng", a comment) its items of a unit
  in appraisal round 1, reloads the appraisal page now and then;
- Leader: reads the results index, the published cycle's ranking of its unit type, its own
  row in the open cycle's ranking (self-assessment stage), and downloads the published
  ranking (.xlsx) and its unit's ledger of lost points (.csv);
- HealthProbe: GET /healthz/ at a steady rate, the trivial view beside the pages in the same
  run; HealthFlood (its own short phase): /healthz/ with no think time, the server's ceiling.

A save or upload answered 200 without its success message counts as a failure, as does any
status other than the expected one. Think time: LOAD_THINK ("2-6" seconds by default).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
import uuid

from locust import HttpUser, between, constant, constant_throughput, events, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read())
LOW, HIGH = (float(x) for x in os.environ.get("LOAD_THINK", "2-6").split("-"))
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
SAVED, UPLOADED, APPRAISED = "Đã lưu.", "Đã tải lên", "Đã lưu:"
# the warm-up phase: fewer users, in the proportions of the plan
WEIGHTED = bool(os.environ.get("LOAD_WEIGHTED"))


LOGINS: list[float] = []  # seconds, form and POST (the run's statistics start after them)
LOGIN_FAILURES: list[str] = []


@events.quitting.add_listener
def _write_logins(**_kw: object) -> None:
    if os.environ.get("LOAD_LOGINS"):
        with open(os.environ["LOAD_LOGINS"], "w", encoding="utf-8") as f:
            json.dump({"seconds": LOGINS, "failures": LOGIN_FAILURES}, f)


def _accounts(kind: str) -> itertools.cycle:
    return itertools.cycle(PLAN[kind])  # one each while there are enough (the plan sizes them)


def _pdf() -> bytes:
    mark = uuid.uuid4().hex  # a new file each time: same bytes would be the same document
    return (
        b"%PDF-1.4\n% load test " + mark.encode() + b"\n1 0 obj << /Type /Catalog >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


class Person(HttpUser):
    abstract = True
    wait_time = between(LOW, HIGH)
    kind = ""

    def on_start(self) -> None:
        self.me = next(self.accounts)
        started = time.perf_counter()
        with self.client.get("/dang-nhap/", name="login", catch_response=True) as r:
            found = TOKEN.search(r.text)
            if not found:
                r.failure("no CSRF token in the login form")
                LOGIN_FAILURES.append(self.me["username"])
                return
        with self.client.post(
            "/dang-nhap/",
            data={
                "username": self.me["username"],
                "password": PLAN["password"],
                "csrfmiddlewaretoken": found.group(1),
            },
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code != 302 or "dang-nhap" in r.headers.get("Location", ""):
                r.failure(f"login refused ({r.status_code})")
                LOGIN_FAILURES.append(self.me["username"])
        LOGINS.append(time.perf_counter() - started)

    def post(self, url: str, name: str, data: dict, ok: str, files: dict | None = None) -> str:
        headers = {"HX-Request": "true", "X-CSRFToken": self.client.cookies.get("csrftoken", "")}
        with self.client.post(
            url, data=data, files=files, headers=headers, name=name, catch_response=True
        ) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
            elif ok not in r.text:
                r.failure("no success message: " + re.sub(r"\s+", " ", r.text)[:200])
            return r.text

    def page(self, url: str, name: str) -> str:
        with self.client.get(url, name=name, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
            return r.text


class Officer(Person):
    accounts = _accounts("officers")
    fixed_count = 0 if WEIGHTED else len(PLAN["officers"])
    weight = max(1, len(PLAN["officers"]))

    def on_start(self) -> None:
        super().on_start()
        self.versions: dict[str, str] = {}
        self.turn = random.randrange(2)
        self.read_page()

    def read_page(self) -> None:
        pk = self.me["participation"]
        html = self.page(f"/tu-danh-gia/{pk}/", "page: self-assessment")
        for code in self.me["codes"]:
            start = html.find(f'<tbody id="e-{code.replace(".", "-")}"')
            found = VERSION.search(html, start) if start >= 0 else None
            if found:
                self.versions[code] = found.group(1)

    @task(8)
    def save(self) -> None:
        code = random.choice(self.me["codes"])
        self.turn ^= 1
        value = self.me["values"][code][self.turn]
        pk = self.me["participation"]
        answer = self.post(
            f"/tu-danh-gia/{pk}/muc/{code}/",
            "save: self-assessment item",
            {"value": value, "version": self.versions.get(code, "0")},
            SAVED,
        )
        found = VERSION.search(answer)
        if found:
            self.versions[code] = found.group(1)

    @task(1)
    def upload(self) -> None:
        code = random.choice(self.me["codes"])
        pk = self.me["participation"]
        self.post(
            f"/tu-danh-gia/{pk}/tai-lieu/tai-len/?ctx=self",
            "upload: evidence (PDF)",
            {
                "title": f"Báo cáo kết quả thực hiện mục {code}",
                "doc_number": f"{random.randint(1, 999)}/BC-UBND",
                "issuer": "UBND",
                "code": code,
                "ctx": "self",
            },
            UPLOADED,
            files={"file": ("bao-cao.pdf", _pdf(), "application/pdf")},
        )

    @task(1)
    def reload(self) -> None:
        self.read_page()


class Appraiser(Person):
    accounts = _accounts("appraisers")
    fixed_count = 0 if WEIGHTED else len(PLAN["appraisers"])
    weight = max(1, len(PLAN["appraisers"]))

    def on_start(self) -> None:
        super().on_start()
        self.versions: dict[str, str] = {}
        self.read_page()

    def read_page(self) -> None:
        pk = self.me["participation"]
        html = self.page(f"/tham-dinh/{pk}/", "page: appraisal")
        for code in self.me["codes"]:
            start = html.find(f'<tr id="m-{code}"')
            found = VERSION.search(html, start) if start >= 0 else None
            if found:
                self.versions[code] = found.group(1)

    @task(8)
    def appraise(self) -> None:
        code = random.choice(self.me["codes"])
        data = {"version": self.versions.get(code, "0"), "action": "accept"}
        if random.random() < 0.2:
            data.update(
                action="adjust", points="0", reason="not_met", comment="Chưa đủ căn cứ (tải thử)."
            )
        answer = self.post(
            f"/tham-dinh/{self.me['participation']}/muc/{code}/",
            "save: appraisal item",
            data,
            APPRAISED,
        )
        found = VERSION.search(answer)
        if found:
            self.versions[code] = found.group(1)

    @task(1)
    def reload(self) -> None:
        self.read_page()


class Leader(Person):
    accounts = _accounts("leaders")
    fixed_count = 0 if WEIGHTED else len(PLAN["leaders"])
    weight = max(1, len(PLAN["leaders"]))

    @task(1)
    def index(self) -> None:
        self.page("/ket-qua-chi-so/", "page: results index")

    @task(3)
    def ranking_published(self) -> None:
        pk, kind = PLAN["cycles"]["published"], self.me["unit_type"]
        self.page(f"/ket-qua-chi-so/ky/{pk}/xep-hang/?type={kind}", "page: ranking (published)")

    @task(2)
    def ranking_own(self) -> None:
        pk = PLAN["cycles"]["open"]
        self.page(f"/ket-qua-chi-so/ky/{pk}/xep-hang/?stage=self", "page: ranking (own, open)")

    @task(1)
    def export_ranking(self) -> None:
        pk = PLAN["cycles"]["published"]
        self.page(f"/results/{pk}/export/ranking.xlsx?stage=final", "export: ranking .xlsx")

    @task(1)
    def export_ledger(self) -> None:
        pk = PLAN["cycles"]["published"]
        self.page(f"/results/{pk}/export/ledger.csv", "export: ledger .csv")


class HealthProbe(HttpUser):
    """The trivial view under the same load, at a steady 5 requests a second per probe."""

    fixed_count = int(os.environ.get("LOAD_PROBES", "2"))
    wait_time = constant_throughput(5)

    @task
    def healthz(self) -> None:
        self.client.get("/healthz/", name="trivial: /healthz/")


class HealthFlood(HttpUser):
    """Only in the flood phase (bench/load.py names it): /healthz/ back to back."""

    fixed_count = int(os.environ.get("LOAD_FLOOD", "0"))
    wait_time = constant(0)

    @task
    def healthz(self) -> None:
        self.client.get("/healthz/", name="trivial: /healthz/ (flood)")
