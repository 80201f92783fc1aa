"""Simulated home visitors: sign in, watch (progress reports) and take the quiz, over real HTTP."""

from __future__ import annotations

import http.cookiejar
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

LESSON = "/modules/what-is-infant-mental-health/watch-the-video"
QUIZ = "/modules/what-is-infant-mental-health/quiz"
QUESTION_ERROR = re.compile(r"Question \d+: [^<]+")
TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Outcome:
    acknowledged_reports: list[tuple[str, list]] = field(default_factory=list)  # (email, watched after)
    acknowledged_attempts: list[tuple[str, int]] = field(default_factory=list)  # (email, attempt number)
    errors: list[str] = field(default_factory=list)
    lock = threading.Lock()


class Learner:
    def __init__(self, base: str, email: str, password: str, outcome: Outcome) -> None:
        self.base, self.email, self.password, self.outcome = base, email, password, outcome
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, path: str, data: dict | None = None, json_body: dict | None = None, headers=None):
        body, hdrs = None, dict(headers or {})
        if json_body is not None:
            body, hdrs["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        elif data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
        req = urllib.request.Request(self.base + path, data=body, headers=hdrs)
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, response.read().decode(), response.headers
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace"), error.headers

    def error(self, message: str) -> None:
        with self.outcome.lock:
            self.outcome.errors.append(f"{self.email}: {message}")

    def sign_in(self) -> bool:
        status, page, _ = self.request("/login")
        token = TOKEN.search(page).group(1)
        status, _, headers = self.request(
            "/login", {"email": self.email, "password": self.password, "csrf_token": token}
        )
        if status != 302:
            self.error(f"sign-in answered {status}")
            return False
        return True

    def watch(self, start: float) -> None:
        status, page, _ = self.request(LESSON)
        if status != 200:
            return self.error(f"lesson page answered {status}")
        csrf = re.search(r'data-csrf="([^"]+)"', page).group(1)
        time.sleep(0.5)
        report = {"ranges": [[start, start + 1]], "position": start + 1, "speed": 1}
        status, body, _ = self.request(LESSON + "/progress", json_body=report, headers={"X-CSRFToken": csrf})
        if status == 200:
            with self.outcome.lock:
                self.outcome.acknowledged_reports.append((self.email, json.loads(body)["watched"]))
        else:
            self.error(f"progress report answered {status}: {body[:200]}")

    def take_quiz(self) -> None:
        status, page, _ = self.request(QUIZ)
        if status != 200:
            return self.error(f"quiz page answered {status}")
        status, _, headers = self.request(QUIZ + "/start", {"csrf_token": TOKEN.search(page).group(1)})
        if status != 302:
            return self.error(f"starting the quiz answered {status}")
        path = urllib.parse.urlsplit(headers["Location"]).path
        status, form_page, _ = self.request(path)
        answers: dict[str, list[str]] = {"csrf_token": [TOKEN.search(form_page).group(1)]}
        for name, value in re.findall(r'<input type="(?:radio|checkbox)" name="([^"]+)" value="([^"]+)"', form_page):
            answers.setdefault(name, [value])
        for name in re.findall(r'<input type="text" id="[^"]+" name="([^"]+)"', form_page):
            answers[name] = ["an answer"]
        for name, value in re.findall(
            r'<select id="[^"]+" name="([^"]+)">\s*<option value="">[^<]*</option>\s*<option value="([^"]+)"', form_page
        ):
            answers[name] = [value]
        status, body, headers = self.request(path, answers)
        if status == 302 and headers["Location"].endswith("/result"):
            with self.outcome.lock:
                self.outcome.acknowledged_attempts.append((self.email, int(path.rsplit("/", 1)[1])))
        else:
            problems = QUESTION_ERROR.findall(body)[:3]
            self.error(f"submitting answered {status}: {problems}")

    def run(self, seconds: float) -> None:
        try:
            if not self.sign_in():
                return
            deadline = time.monotonic() + seconds
            position = 0.0
            while time.monotonic() < deadline:
                self.watch(position)
                position = (position + 1) % 90
                if int(position) % 5 == 0:
                    self.take_quiz()
        except Exception as error:  # noqa: BLE001 - a dropped connection is an error to count, not a crash
            self.error(f"{type(error).__name__}: {error}")


def run_learners(base: str, emails: list[str], password: str, seconds: float) -> Outcome:
    outcome = Outcome()
    threads = [threading.Thread(target=Learner(base, e, password, outcome).run, args=(seconds,)) for e in emails]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome
