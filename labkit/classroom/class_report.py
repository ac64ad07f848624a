"""The class report: where the class is stuck, from learners' progress logs or the hub's progress service.

Per learner × exercise: solved, attempts (checks), hints opened, time to solve (from the learner's first
event on the exercise to the first correct check). Per exercise: learners who tried, solve rate (solved /
tried), median attempts (checks until solved, or all checks when not solved), and the commonest wrong
first answer (only when answers were recorded: ``LABKIT_RECORD_ANSWERS=1``).

Files that are missing, empty, partly corrupted or foreign (not a labkit log) are counted and named in
``report.problems``; they never stop the report.
"""

from __future__ import annotations

import csv
import datetime as _dt
import glob
import html
import json
import os
import statistics
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from labkit.classroom.errors import ReportSourceError
from labkit.exercises.eventlog import parse_lines, read_events

LOG_NAMES = ("events.jsonl", "progress.json")


@dataclass(frozen=True)
class Problem:
    path: str
    kind: str  # missing | empty | corrupted | foreign | unreadable
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.path} — {self.detail}"


@dataclass
class Cell:
    """One learner on one exercise."""

    attempts: int = 0
    hints: int = 0
    solved: bool = False
    first_time: str | None = None
    solved_time: str | None = None
    attempts_to_solve: int | None = None
    first_answer: object = None
    first_correct: bool | None = None
    has_first_answer: bool = False

    @property
    def time_to_solve_s(self) -> float | None:
        if not (self.solved and self.first_time and self.solved_time):
            return None
        end, start = _parse_time(self.solved_time), _parse_time(self.first_time)
        if end is None or start is None:
            return None
        return max(0.0, (end - start).total_seconds())


def _parse_time(text: str):
    try:
        return _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None


@dataclass
class Report:
    source: str
    learners: list[str] = field(default_factory=list)
    exercises: list[str] = field(default_factory=list)
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files_read: int = 0

    # ------------------------------------------------------------------------------ building

    @classmethod
    def from_events(cls, events, source: str = "events", problems=(), files_read: int = 0) -> Report:
        """``events``: dicts each with a ``user`` (the learner)."""
        report = cls(source=source, problems=list(problems), files_read=files_read)
        for e in sorted(events, key=lambda e: str(e.get("time"))):  # stable: same-millisecond events keep file order
            report._add(e)
        order = _catalog_order()
        report.learners.sort()
        report.exercises.sort(key=lambda x: (order.get(x, len(order)), x))
        return report

    def _add(self, e: dict) -> None:
        user, exercise = str(e.get("user") or "?"), e["exercise"]
        if user not in self.learners:
            self.learners.append(user)
        if exercise not in self.exercises:
            self.exercises.append(exercise)
        cell = self.cells.setdefault((user, exercise), Cell())
        kind = e["kind"]
        if kind in ("check", "hint", "migrated") and cell.first_time is None:
            cell.first_time = e.get("first_checked") if kind == "migrated" else e["time"]
            cell.first_time = cell.first_time or e["time"]
        if kind == "check":
            cell.attempts += 1
            if cell.attempts == 1:
                cell.first_correct = bool(e["correct"])
                if "answer" in e:
                    cell.first_answer, cell.has_first_answer = e["answer"], True
            if e["correct"] and not cell.solved:
                cell.solved, cell.solved_time, cell.attempts_to_solve = True, e["time"], cell.attempts
            cell.hints = max(cell.hints, _int(e.get("hints")))
        elif kind == "hint":
            cell.hints = max(cell.hints, _int(e.get("hint")) or cell.hints + 1)
        elif kind == "migrated":
            cell.attempts += _int(e.get("attempts"))
            cell.hints = max(cell.hints, _int(e.get("hints")))
            if e.get("solved") and not cell.solved:
                cell.solved = True
                cell.solved_time = e.get("solved_at") if isinstance(e.get("solved_at"), str) else e["time"]
                cell.attempts_to_solve = cell.attempts

    # ------------------------------------------------------------------------------ figures

    def cell(self, learner: str, exercise: str) -> Cell:
        return self.cells.get((learner, exercise), Cell())

    def per_exercise(self) -> list[dict]:
        rows = []
        for x in self.exercises:
            tried = [c for (u, ex), c in self.cells.items() if ex == x and c.attempts > 0]
            solved = [c for c in tried if c.solved]
            counts = [c.attempts_to_solve or c.attempts if c.solved else c.attempts for c in tried]
            wrong = Counter(
                json.dumps(c.first_answer, sort_keys=True, ensure_ascii=False)
                for c in tried
                if c.first_correct is False and c.has_first_answer
            )
            common = wrong.most_common(1)
            times = [c.time_to_solve_s for c in solved if c.time_to_solve_s is not None]
            rows.append(
                {
                    "exercise": x,
                    "learners_tried": len(tried),
                    "learners_solved": len(solved),
                    "solve_rate": round(len(solved) / len(tried), 3) if tried else None,
                    "median_attempts": statistics.median(counts) if counts else None,
                    "median_time_to_solve_s": round(statistics.median(times), 1) if times else None,
                    "commonest_wrong_first_answer": json.loads(common[0][0]) if common else None,
                    "commonest_wrong_first_answer_count": common[0][1] if common else 0,
                }
            )
        return rows

    def rows(self) -> list[dict]:
        """One row per learner × exercise (the CSV)."""
        out = []
        for u in self.learners:
            for x in self.exercises:
                c = self.cells.get((u, x))
                if c is None:
                    continue
                t = c.time_to_solve_s
                out.append(
                    {
                        "learner": u,
                        "exercise": x,
                        "solved": c.solved,
                        "attempts": c.attempts,
                        "hints": c.hints,
                        "time_to_solve_s": round(t, 1) if t is not None else "",
                    }
                )
        return out

    # ------------------------------------------------------------------------------ output

    def to_csv(self, path) -> Path:
        target = Path(path).expanduser()
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(
                f, fieldnames=["learner", "exercise", "solved", "attempts", "hints", "time_to_solve_s"]
            )
            writer.writeheader()
            writer.writerows(self.rows())
        return target

    def __str__(self) -> str:
        lines = [
            f"Class report from {self.source}: {len(self.learners)} learner(s), {len(self.exercises)} "
            f"exercise(s)" + (f", {self.files_read} file(s) read" if self.files_read else "") + "."
        ]
        if self.exercises:
            w = max(len(x) for x in self.exercises)
            lines += ["", f"{'exercise':<{w}}  tried  solved  rate   median checks  commonest wrong first answer"]
            for r in self.per_exercise():
                rate = f"{r['solve_rate']:.0%}" if r["solve_rate"] is not None else "-"
                med = f"{r['median_attempts']:g}" if r["median_attempts"] is not None else "-"
                wrong = _short(r["commonest_wrong_first_answer"]) if r["commonest_wrong_first_answer_count"] else "-"
                if r["commonest_wrong_first_answer_count"]:
                    wrong += f" ({r['commonest_wrong_first_answer_count']}×)"
                lines.append(
                    f"{r['exercise']:<{w}}  {r['learners_tried']:>5}  {r['learners_solved']:>6}  "
                    f"{rate:>4}   {med:>13}  {wrong}"
                )
        if self.problems:
            counts = Counter(p.kind for p in self.problems)
            lines += ["", "Files not (fully) read: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))]
            lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)

    def to_html(self) -> str:
        e = html.escape
        head = "".join(
            f'<th title="{e(x)}" style="writing-mode:vertical-rl;transform:rotate(180deg);'
            f'font-weight:normal;padding:2px">{e(x)}</th>'
            for x in self.exercises
        )
        body = []
        for u in self.learners:
            cells = []
            for x in self.exercises:
                c = self.cells.get((u, x))
                colour, text, tip = _heat(c)
                cells.append(
                    f'<td title="{e(u)} · {e(x)}: {e(tip)}" style="background:{colour};text-align:center;'
                    f'min-width:2em;padding:2px">{e(text)}</td>'
                )
            body.append(f"<tr><th style='text-align:left;padding-right:1em'>{e(u)}</th>{''.join(cells)}</tr>")
        per = []
        for r in self.per_exercise():
            rate = f"{r['solve_rate']:.0%}" if r["solve_rate"] is not None else "–"
            wrong = (
                (
                    f"<code>{e(_short(r['commonest_wrong_first_answer']))}</code> "
                    f"({r['commonest_wrong_first_answer_count']}×)"
                )
                if r["commonest_wrong_first_answer_count"]
                else "–"
            )
            per.append(
                f"<tr><td><code>{e(r['exercise'])}</code></td><td>{r['learners_tried']}</td>"
                f"<td>{r['learners_solved']}</td><td>{rate}</td>"
                f"<td>{r['median_attempts'] if r['median_attempts'] is not None else '–'}</td>"
                f"<td>{r['median_time_to_solve_s'] if r['median_time_to_solve_s'] is not None else '–'}</td>"
                f"<td>{wrong}</td></tr>"
            )
        problems = ""
        if self.problems:
            problems = (
                "<h3>Files not (fully) read</h3><ul>"
                + "".join(
                    f"<li><b>{e(p.kind)}</b>: <code>{e(p.path)}</code> — {e(p.detail)}</li>" for p in self.problems
                )
                + "</ul>"
            )
        legend = (
            "<p><small>Each cell: checks so far. Green: solved (darker: more checks needed); orange: tried, "
            "not solved yet; grey: not started. Hover a cell for hints and time to solve.</small></p>"
        )
        return (
            f'<div class="labkit-class-report"><h2>Class report</h2><p>From {e(self.source)}: '
            f"{len(self.learners)} learner(s), {len(self.exercises)} exercise(s).</p>"
            f'<table style="border-collapse:collapse"><tr><th></th>{head}</tr>{"".join(body)}</table>{legend}'
            "<h3>Per exercise</h3><table><tr><th>exercise</th><th>tried</th><th>solved</th><th>solve rate</th>"
            "<th>median checks</th><th>median time to solve (s)</th><th>commonest wrong first answer</th></tr>"
            f"{''.join(per)}</table>{problems}</div>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def write_html(self, path) -> Path:
        target = Path(path).expanduser()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            "<!doctype html><meta charset='utf-8'><title>labkit class report</title>"
            f"<body style='font-family:sans-serif'>{self.to_html()}</body>",
            encoding="utf-8",
        )
        return target


def _heat(c: Cell | None) -> tuple[str, str, str]:
    if c is None or (c.attempts == 0 and c.hints == 0):
        return "#eeeeee", "", "not started"
    tip = f"{c.attempts} check(s), {c.hints} hint(s)"
    if c.solved:
        t = c.time_to_solve_s
        tip += f", solved in {t:.0f} s" if t is not None else ", solved"
        shade = ["#b7e4c7", "#95d5b2", "#74c69d", "#52b788", "#40916c"][min(max((c.attempts_to_solve or 1) - 1, 0), 4)]
        return shade, str(c.attempts), tip
    return "#f9c784" if c.attempts < 3 else "#f4845f", str(c.attempts), tip + ", not solved"


def _short(value, limit: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _int(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _catalog_order() -> dict[str, int]:
    try:
        from labkit.exercises import catalog

        return {x: i for i, x in enumerate(catalog().ids())}
    except Exception:  # noqa: BLE001 - ordering is a nicety
        return {}


# ---------------------------------------------------------------------------------- sources


def learner_name(path: Path) -> str:
    """/home/alice/.labkit/events.jsonl → alice; logs/bob.jsonl → bob."""
    if path.parent.name == ".labkit" and path.parent.parent.name:
        return path.parent.parent.name
    return path.stem


def _expand(spec: str) -> tuple[list[Path], Problem | None]:
    p = Path(spec).expanduser()
    if any(ch in spec for ch in "*?["):
        found = [Path(x) for x in sorted(glob.glob(str(p)))]
        files = []
        for f in found:
            files += _expand(str(f))[0] if f.is_dir() else [f]
        return files, (None if files else Problem(spec, "missing", "no file matches this pattern"))
    if p.is_dir():
        files = []
        for pattern in ("*.jsonl", "*/.labkit/events.jsonl", "*/.labkit/progress.json", ".labkit/events.jsonl"):
            files += sorted(p.glob(pattern))
        return files, (
            None
            if files
            else Problem(
                spec, "missing", "no progress log in this folder (looked for *.jsonl and */.labkit/events.jsonl)"
            )
        )
    if not p.exists():
        return [], Problem(spec, "missing", "no such file")
    return [p], None


def from_files(paths) -> Report:
    events, problems, read = [], [], 0
    seen = set()
    for spec in paths:
        files, problem = _expand(str(spec))
        if problem:
            problems.append(problem)
        for f in files:
            if f.resolve() in seen:
                continue
            seen.add(f.resolve())
            try:
                if f.stat().st_size == 0:
                    problems.append(Problem(str(f), "empty", "the file is empty (no event yet)"))
                    continue
                found, bad = read_events(f)
            except OSError as err:
                problems.append(
                    Problem(str(f), "unreadable", f"{err.strerror or err} (read it as its owner or with sudo)")
                )
                continue
            read += 1
            if not found:
                kind = "foreign" if bad else "empty"
                problems.append(
                    Problem(
                        str(f),
                        kind,
                        f"not a labkit progress log ({bad} line(s), none an event)" if bad else "no event in it",
                    )
                )
                continue
            if bad:
                problems.append(Problem(str(f), "corrupted", f"{bad} line(s) skipped, {len(found)} event(s) read"))
            name = learner_name(f)
            for ev in found:
                events.append(
                    {**ev, "user": ev.get("user") if isinstance(ev.get("user"), str) and ev.get("user") else name}
                )
    source = ", ".join(str(p) for p in paths) if len(paths) <= 3 else f"{len(paths)} paths"
    return Report.from_events(events, source=source, problems=problems, files_read=read)


def from_hub(hub: str, token: str | None = None, timeout: float = 30) -> Report:
    from labkit.classroom.pull_links import _web_url

    base = _web_url(hub, "JupyterHub", "--hub")
    token = token or os.environ.get("JUPYTERHUB_API_TOKEN", "")
    if not token:
        raise ReportSourceError(
            "The hub's progress service needs an admin's API token: set JUPYTERHUB_API_TOKEN "
            "(create one at /hub/token as the instructor) or pass --token."
        )
    url = f"{base}services/labkit-progress/api/events"
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            text = r.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as err:
        why = {
            401: "no token was accepted",
            403: "this token is not a hub admin's",
            404: "the hub has no labkit-progress service (see classroom/jupyterhub_config.py)",
        }.get(err.code, "")
        raise ReportSourceError(f"{url} answered HTTP {err.code}{': ' + why if why else ''}.") from None
    except OSError as err:
        raise ReportSourceError(f"Could not reach {url}: {getattr(err, 'reason', err)}. Check --hub.") from None
    events, bad = parse_lines(text)
    problems = [Problem(url, "corrupted", f"{bad} line(s) skipped")] if bad else []
    return Report.from_events(events, source=base, problems=problems)


def build_report(paths=(), hub: str | None = None, token: str | None = None) -> Report:
    if hub and paths:
        raise ReportSourceError("Give either --hub URL or progress files, not both.")
    if hub:
        return from_hub(hub, token)
    if not paths:
        raise ReportSourceError("Give progress files or folders (e.g. /home/*/.labkit/events.jsonl) or --hub URL.")
    return from_files([str(p) for p in paths])
