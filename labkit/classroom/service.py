"""labkit's progress service: a small JupyterHub service that keeps the class's progress events in SQLite.

Run by the hub (``classroom/jupyterhub_config.py`` and ``classroom/z2jh/config.yaml`` register it as the
service ``labkit-progress``)::

    python -m labkit.classroom.service [--db PATH]

It listens where the hub says (``$JUPYTERHUB_SERVICE_URL``, e.g. http://127.0.0.1:10101) and serves, under
``$JUPYTERHUB_SERVICE_PREFIX`` (``/services/labkit-progress/``):

* ``POST api/events`` — body ``{"events": [event, …]}`` (at most ``MAX_EVENTS``, ``MAX_BODY`` bytes), with a
  hub token (``Authorization: token …``). The learner is the token's owner: a ``user`` field in the body is
  ignored, so a learner's token can only add that learner's events. Events already stored (same learner,
  same event id) are not added twice. Answers ``{"added": n, "duplicates": n, "rejected": n}``.
* ``GET api/events[?user=NAME]`` — every event as JSON lines, each with its ``user``: hub admins only.
* ``GET report`` — the class report as an HTML page: hub admins only (signing in through the hub).
* ``GET api/health`` — ``{"status": "ok"}``, no token needed (nothing about learners).

A request without a token the hub accepts gets 403 (401 for API calls without any token).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import sqlite3
import sys
from pathlib import Path
from urllib.parse import urlsplit

from tornado import ioloop, web

from labkit.exercises.eventlog import valid_event

MAX_BODY = 1 << 20  # 1 MiB
MAX_EVENTS = 1000
SERVICE_NAME = "labkit-progress"

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    user TEXT NOT NULL,
    id TEXT NOT NULL,
    time TEXT NOT NULL,
    kind TEXT NOT NULL,
    exercise TEXT NOT NULL,
    received TEXT NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (user, id)
);
CREATE INDEX IF NOT EXISTS events_by_exercise ON events (exercise);
"""


class EventDB:
    """The events of every learner, in one SQLite file."""

    def __init__(self, path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        if self.path != ":memory:":
            os.chmod(self.path, 0o600)
            self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.executescript(SCHEMA)

    def add(self, user: str, events: list) -> dict:
        received = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        added = duplicates = rejected = 0
        self.conn.execute("BEGIN")
        try:
            for raw in events:
                event = valid_event(raw)
                if event is None:
                    rejected += 1
                    continue
                event = {k: v for k, v in event.items() if k != "user"}
                cur = self.conn.execute(
                    "INSERT OR IGNORE INTO events (user, id, time, kind, exercise, received, event) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        user,
                        event["id"],
                        event["time"],
                        event["kind"],
                        event["exercise"],
                        received,
                        json.dumps(event, ensure_ascii=False, separators=(",", ":")),
                    ),
                )
                if cur.rowcount:
                    added += 1
                else:
                    duplicates += 1
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return {"added": added, "duplicates": duplicates, "rejected": rejected}

    def events(self, user: str | None = None) -> list[dict]:
        sql = "SELECT user, event FROM events"
        args: tuple = ()
        if user:
            sql, args = sql + " WHERE user = ?", (user,)
        out = []
        for who, text in self.conn.execute(sql + " ORDER BY time, rowid", args):
            event = json.loads(text)
            event["user"] = who
            out.append(event)
        return out

    def close(self) -> None:
        self.conn.close()


def _hub_auth_classes():
    from jupyterhub.services.auth import HubOAuth, HubOAuthCallbackHandler, HubOAuthenticated

    class Base(HubOAuthenticated, web.RequestHandler):
        hub_scopes = None  # any user the hub knows; who may do what is decided per handler below

        def initialize(self, db: EventDB):
            self.db = db

        async def prepare(self):  # ask the hub without blocking the other requests
            model = await self.hub_auth.get_user(self, sync=False)
            self._hub_auth_user_cache = self.check_hub_user(model) if model else None

        @property
        def allow_all(self):
            return True

        def is_admin(self, model) -> bool:
            return bool(model and model.get("kind", "user") == "user" and model.get("admin"))

        def write_error(self, status_code, **kwargs):
            reason = kwargs.get("exc_info", (None, None))[1]
            message = getattr(reason, "log_message", None) or self._reason
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps({"status": status_code, "message": message}))

    class EventsHandler(Base):
        def get_login_url(self):  # an API: no redirect to a login page
            raise web.HTTPError(403, "A hub API token is needed (Authorization: token …).")

        def check_xsrf_cookie(self):  # token-authenticated API calls carry no browser cookie
            return None

        def post(self):
            model = self.current_user
            if not model:
                raise web.HTTPError(
                    401 if not self.request.headers.get("Authorization") else 403,
                    "The hub did not accept this token; send the learner's JUPYTERHUB_API_TOKEN.",
                )
            if model.get("kind", "user") != "user" or not model.get("name"):
                raise web.HTTPError(403, "Only a learner's (user's) token can add events.")
            if len(self.request.body) > MAX_BODY:
                raise web.HTTPError(413, f"At most {MAX_BODY} bytes per request.")
            try:
                body = json.loads(self.request.body or b"{}")
            except ValueError:
                raise web.HTTPError(400, 'The body must be JSON: {"events": [...]}.') from None
            events = body.get("events") if isinstance(body, dict) else None
            if not isinstance(events, list):
                raise web.HTTPError(400, 'The body must be JSON: {"events": [...]}.')
            if len(events) > MAX_EVENTS:
                raise web.HTTPError(413, f"At most {MAX_EVENTS} events per request.")
            result = self.db.add(model["name"], events)
            self.set_status(200)
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(result))

        def get(self):
            model = self.current_user
            if not model:
                raise web.HTTPError(
                    401 if not self.request.headers.get("Authorization") else 403, "The hub did not accept this token."
                )
            if not self.is_admin(model):
                raise web.HTTPError(403, "Only the hub's admins may read the class's events.")
            self.set_header("Content-Type", "application/x-ndjson; charset=utf-8")
            for event in self.db.events(self.get_argument("user", None)):
                self.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")
            self.finish()

    class ReportHandler(Base):
        @web.authenticated
        def get(self):
            if not self.is_admin(self.current_user):
                raise web.HTTPError(403, "Only the hub's admins may see the class report.")
            from labkit.classroom.class_report import Report

            report = Report.from_events(self.db.events(), source="the hub's progress service")
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(report.to_html())

    class HealthHandler(web.RequestHandler):
        def get(self):
            self.finish({"status": "ok", "service": SERVICE_NAME})

    return HubOAuth, HubOAuthCallbackHandler, EventsHandler, ReportHandler, HealthHandler


def make_app(db: EventDB, prefix: str | None = None) -> web.Application:
    """The tornado application (``prefix``: default ``$JUPYTERHUB_SERVICE_PREFIX``)."""
    HubOAuth, Callback, Events, ReportPage, Health = _hub_auth_classes()
    prefix = prefix or os.environ.get("JUPYTERHUB_SERVICE_PREFIX", f"/services/{SERVICE_NAME}/")
    prefix = "/" + prefix.strip("/") + "/"
    auth = HubOAuth(api_token=os.environ.get("JUPYTERHUB_API_TOKEN", ""), cache_max_age=60)
    return web.Application(
        [
            (prefix + "api/events", Events, {"db": db}),
            (prefix + "report", ReportPage, {"db": db}),
            (prefix + "api/health", Health),
            (prefix + "oauth_callback", Callback),
        ],
        cookie_secret=os.urandom(32),
        hub_auth=auth,
        xsrf_cookies=False,
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m labkit.classroom.service", description="labkit's progress service (run by JupyterHub)."
    )
    parser.add_argument(
        "--db",
        default=os.environ.get("LABKIT_PROGRESS_DB", "labkit-progress.sqlite"),
        help="the SQLite file (default $LABKIT_PROGRESS_DB or ./labkit-progress.sqlite)",
    )
    parser.add_argument(
        "--url",
        default=os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:10101"),
        help="where to listen (default $JUPYTERHUB_SERVICE_URL)",
    )
    args = parser.parse_args(argv)
    if not os.environ.get("JUPYTERHUB_API_TOKEN"):
        print(
            "labkit progress service: $JUPYTERHUB_API_TOKEN is not set. Run it as a JupyterHub service "
            "(see classroom/jupyterhub_config.py).",
            file=sys.stderr,
        )
        return 2
    url = urlsplit(args.url)
    db = EventDB(args.db)
    app = make_app(db)
    app.listen(url.port or 80, address=url.hostname or "127.0.0.1", max_body_size=MAX_BODY + 1024)
    print(f"labkit progress service on {args.url}, events in {args.db}", flush=True)
    try:
        ioloop.IOLoop.current().start()
    except KeyboardInterrupt:
        pass
    finally:
        db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
