"""The progress log: every Check, hint opened, reset and solution shown is one event, one line of JSON.

Where: the path given to ``lk.exercises.progress_store(path)``, else the environment variable
``LABKIT_PROGRESS`` (the log file itself, whatever its name), else ``~/.labkit/events.jsonl``.
Each line is one event (JSON lines, UTF-8)::

    {"v": 1, "id": "9f0c…", "time": "2026-12-02T10:15:03.412Z", "kind": "check",
     "exercise": "conditions/require-vpc", "topic": "conditions", "attempt": 2, "correct": true, "hints": 1}

``kind`` is ``check`` (with ``attempt``: the n-th check of this exercise, ``correct``, ``hints``: hints
opened so far), ``hint`` (``hint``: the number of the hint opened), ``reset``, ``solution`` (shown in
instructor mode) or ``migrated`` (the counts of a ``progress.json`` written by an earlier labkit:
``attempts``, ``correct_checks``, ``hints``, ``solved``). The answer itself is recorded (``answer``) only
when ``LABKIT_RECORD_ANSWERS=1``. ``id`` makes an event unique: importing a log twice adds nothing.

Robustness rules:

* a missing file (or folder) is a fresh start; the file is created at the first event, readable and
  writable by its owner only (mode 0600, its folder 0700);
* an append is one ``write`` on a file opened with ``O_APPEND`` while holding ``flock`` on it, so kernels
  writing at once never mix or lose lines;
* a line that is not an event (a crash mid-write, an edit by hand) is skipped with one warning — never fatal;
* a file that can't be written (read-only home, full disk) gives one warning; events are then kept in
  memory for this kernel;
* the ``progress.json`` of earlier labkit versions is migrated on first use: next to the default log it is
  turned into ``migrated`` events and renamed ``progress.json.migrated``; a legacy file found at the log's
  own path (``LABKIT_PROGRESS``) is rewritten in place as events.

When the kernel runs on a JupyterHub that has labkit's progress service, each event is also sent there
(``labkit.classroom.client``): see docs/classroom.md.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import threading
import uuid
import warnings
from pathlib import Path

from labkit.exercises.eventlog import (  # noqa: F401 - ANSWER_CHARS, KINDS: part of this module's API
    ANSWER_CHARS,
    KINDS,
    VERSION,
    _answer_value,
    _count,
    _empty_entry,
    _legacy_data,
    _may_be_legacy,
    _Tally,
    legacy_events,
    parse_lines,
    read_events,
    valid_event,
)

ENV_VAR = "LABKIT_PROGRESS"
RECORD_ANSWERS_ENV = "LABKIT_RECORD_ANSWERS"
FILE_NAME = "events.jsonl"
LEGACY_NAME = "progress.json"


class ProgressStoreWarning(UserWarning):
    """The progress log could not be read or written; the exercise itself goes on."""


def default_path() -> Path:
    """``$LABKIT_PROGRESS`` if set, else ``~/.labkit/events.jsonl``."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser()
    return Path.home() / ".labkit" / FILE_NAME


def records_answers() -> bool:
    """True when ``LABKIT_RECORD_ANSWERS=1``: check events then carry the answer."""
    return os.environ.get(RECORD_ANSWERS_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# ---------------------------------------------------------------------------------- the store


class ProgressStore:
    """The progress log in one file. Get the active one with ``lk.exercises.progress_store()``."""

    def __init__(self, path):
        self.path = Path(path).expanduser()
        self._memory: list[dict] | None = None  # set when the file can't be written: events live here
        self._warned: set[str] = set()
        self._lock = threading.RLock()
        self._legacy_checked = None  # the (device, inode) already checked for an earlier labkit's format
        self._reset_cache()

    def _reset_cache(self) -> None:
        self._offset = 0
        self._inode: tuple[int, int] | None = None
        self._ids: set[str] = set()
        self._tallies: dict[str, _Tally] = {}
        self._skipped = 0
        self._migrated = False

    def __repr__(self) -> str:
        where = f"{self.path}" + (" (in memory: the file can't be written)" if self._memory is not None else "")
        return f"<labkit progress log {where}>"

    # ------------------------------------------------------------------------------ reading

    def events(self) -> list[dict]:
        """Every event in the log, oldest first (lines that are not events are skipped)."""
        with self._lock:
            if self._memory is not None:
                return [dict(e) for e in self._memory]
            self._migrate_if_needed()
            try:
                return read_events(self.path)[0]
            except (FileNotFoundError, NotADirectoryError):
                return []
            except OSError as e:
                self._warn_unreadable(e)
                return []

    def entry(self, exercise_id: str) -> dict:
        """One exercise's counts: attempts, correct, hints, solved (zeros when never checked)."""
        tally = self._tally(exercise_id)
        return tally.entry() if tally else _empty_entry()

    def attempts(self, exercise_id: str, since_reset: bool = False) -> int:
        """How many times this exercise was checked (``since_reset``: since its last reset)."""
        tally = self._tally(exercise_id)
        if tally is None:
            return 0
        return tally.attempts_since_reset if since_reset else tally.attempts

    def hints_opened(self, exercise_id: str) -> int:
        """The highest hint number opened for this exercise (0 when none)."""
        tally = self._tally(exercise_id)
        return tally.hints_max if tally else 0

    def solved(self, exercise_id: str) -> bool:
        tally = self._tally(exercise_id)
        return bool(tally and tally.solved)

    def load(self) -> dict:
        """The counts of every exercise: ``{"exercises": {id: entry}}`` (the shape of earlier labkit versions)."""
        with self._lock:
            self._refresh()
            return {
                "format": "labkit-events",
                "version": VERSION,
                "exercises": {k: t.entry() for k, t in self._tallies.items()},
            }

    def summary(self, entries=None) -> dict:
        """Per topic: ``{"topic": {"total", "attempted", "solved", "exercises": {id: entry}}}``.

        ``entries``: the catalog (records with ``id`` and ``topic``); by default ``lk.exercises.catalog()``.
        """
        if entries is None:
            from labkit.exercises import catalog

            entries = catalog()
        data = self.load()["exercises"]
        out: dict[str, dict] = {}
        for e in entries:
            topic = out.setdefault(e.topic, {"total": 0, "attempted": 0, "solved": 0, "exercises": {}})
            got = data.get(e.id, _empty_entry(e.topic))
            topic["total"] += 1
            topic["attempted"] += got["attempts"] > 0
            topic["solved"] += got["solved"]
            topic["exercises"][e.id] = got
        return out

    @property
    def skipped_lines(self) -> int:
        """Lines of the file that are not events (skipped)."""
        with self._lock:
            self._refresh()
            return self._skipped

    def _tally(self, exercise_id: str) -> _Tally | None:
        with self._lock:
            self._refresh()
            return self._tallies.get(exercise_id)

    def _refresh(self, fd: int | None = None) -> None:
        """Read what was appended since the last read (everything when the file was replaced or cut)."""
        if self._memory is not None:
            return
        if fd is None:
            self._migrate_if_needed()
            try:
                fd = os.open(self.path, os.O_RDONLY)
            except (FileNotFoundError, NotADirectoryError):
                if self._inode is not None:
                    self._reset_cache()
                return
            except OSError as e:
                self._warn_unreadable(e)
                return
            try:
                self._read_new(fd)
            finally:
                os.close(fd)
        else:
            self._read_new(fd)

    def _read_new(self, fd: int) -> None:
        st = os.fstat(fd)
        if self._inode != (st.st_dev, st.st_ino) or st.st_size < self._offset:
            self._reset_cache()
            self._migrated = True
            self._inode = (st.st_dev, st.st_ino)
        if st.st_size == self._offset:
            return
        chunk = os.pread(fd, st.st_size - self._offset, self._offset)
        end = chunk.rfind(b"\n") + 1  # complete lines only; a line being written is read next time
        if end == 0:
            if st.st_size - self._offset < 1 << 20:
                return
            end = len(chunk)  # a huge line without an end: not an event
        events, bad = parse_lines(chunk[:end].decode("utf-8", errors="replace"))
        self._offset += end
        if bad:
            self._skipped += bad
            self._warn(
                "corrupt",
                f"labkit skipped {bad} line(s) of its progress log {self.path} that are not "
                f"events (an interrupted write or an edit by hand); the rest is kept.",
            )
        for e in events:
            self._add(e)

    def _add(self, event: dict) -> None:
        if event["id"] in self._ids:
            return
        self._ids.add(event["id"])
        self._tallies.setdefault(event["exercise"], _Tally()).add(event)

    # ------------------------------------------------------------------------------ writing

    def record_check(self, exercise_id: str, topic: str, correct: bool, answer=None, **_ignored) -> dict | None:
        """Record one check of ``exercise_id`` (never raises). The answer is kept only with LABKIT_RECORD_ANSWERS=1."""
        extra = {"answer": _answer_value(answer)} if records_answers() else {}
        return self._record(exercise_id, topic, "check", correct=bool(correct), **extra)

    def record_hint(self, exercise_id: str, topic: str, number: int | None = None) -> dict | None:
        """Record one hint opened (``number``: which one, 1 for the first)."""
        return self._record(exercise_id, topic, "hint", **({"hint": number} if _count(number) else {}))

    def record_reset(self, exercise_id: str, topic: str) -> dict | None:
        """Record a reset of the exercise (the learner starts over)."""
        return self._record(exercise_id, topic, "reset")

    def record_solution(self, exercise_id: str, topic: str) -> dict | None:
        """Record that the solution was shown (instructor mode)."""
        return self._record(exercise_id, topic, "solution")

    def _record(self, exercise_id: str, topic: str, kind: str, **fields) -> dict | None:
        try:
            event = self._append(exercise_id, topic, kind, fields)
        except Exception as e:  # noqa: BLE001 - progress must never break an exercise
            self._warn("unexpected", f"labkit could not record progress in {self.path} ({type(e).__name__}: {e}).")
            return None
        _send(event)
        return event

    def _new_event(self, exercise_id: str, topic: str, kind: str, fields: dict) -> dict:
        tally = self._tallies.get(exercise_id) or _Tally()
        event = {
            "v": VERSION,
            "id": uuid.uuid4().hex,
            "time": _now(),
            "kind": kind,
            "exercise": exercise_id,
            "topic": topic,
        }
        if kind == "check":
            event["attempt"] = tally.attempts + 1
            event["correct"] = fields.pop("correct")
            event["hints"] = tally.hints_max
        elif kind == "hint":
            event["hint"] = fields.pop("hint", tally.hints + 1)
        event.update(fields)
        return event

    def _append(self, exercise_id: str, topic: str, kind: str, fields: dict) -> dict:
        with self._lock:
            if self._memory is None:
                try:
                    with self._open_locked() as fd:
                        self._refresh(fd)
                        event = self._new_event(exercise_id, topic, kind, fields)
                        self._write_lines(fd, [event])
                        self._refresh(fd)
                    return event
                except OSError as e:
                    self._fall_back_to_memory(e)
            event = self._new_event(exercise_id, topic, kind, fields)
            if self._memory is None:
                self._memory = []
            self._memory.append(event)
            self._add(event)
            return event

    def _write_lines(self, fd: int, events: list[dict]) -> None:
        """Append ``events`` with one write (the caller holds the lock), after a newline if the file lacks one."""
        data = "".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n" for e in events)
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = "\n" + data
        raw = data.encode("utf-8")
        written = os.write(fd, raw)
        if written != len(raw):
            raise OSError(f"short write to {self.path} ({written} of {len(raw)} bytes)")

    @contextlib.contextmanager
    def _open_locked(self):
        """The log opened for appending (created 0600 in a 0700 folder), with an exclusive flock held."""
        if not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            st = os.fstat(fd)
            if st.st_mode & 0o077:
                with contextlib.suppress(OSError):
                    os.fchmod(fd, 0o600)
            try:
                import fcntl
            except ImportError:  # Windows, browser builds: one writer per file is the common case
                fcntl = None
            if fcntl is not None:
                with contextlib.suppress(OSError):  # a file system without locks: go ahead
                    fcntl.flock(fd, fcntl.LOCK_EX)
            self._migrate_in_place(fd)
            yield fd
        finally:
            os.close(fd)  # closing releases the lock

    def _migrate_if_needed(self) -> None:
        """On first use: turn an earlier labkit's progress.json (beside the log, or at its path) into events."""
        if self._migrated or self._memory is not None:
            return
        self._migrated = True
        legacy_beside = self.path.with_name(LEGACY_NAME)
        needs = legacy_beside != self.path and legacy_beside.is_file() and not self.path.exists()
        if not needs:
            with contextlib.suppress(OSError), open(self.path, "rb") as f:
                needs = _may_be_legacy(f.read(65536))
        if needs:
            with contextlib.suppress(OSError), self._open_locked():
                pass  # _open_locked migrates under the lock

    def _migrate_in_place(self, fd: int) -> None:
        """Under the lock: an empty log takes the progress.json beside it; a legacy file at the log's path is
        rewritten as events (its old content kept as ``NAME.migrated``)."""
        size = os.fstat(fd).st_size
        if size == 0:
            legacy_beside = self.path.with_name(LEGACY_NAME)
            if legacy_beside == self.path or not legacy_beside.is_file():
                return
            try:
                data = _legacy_data(legacy_beside.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                return
            if data is not None:
                self._write_lines(fd, legacy_events(data))
                os.replace(legacy_beside, legacy_beside.with_name(LEGACY_NAME + ".migrated"))
            return
        st = os.fstat(fd)
        if self._legacy_checked == (st.st_dev, st.st_ino):
            return
        self._legacy_checked = (st.st_dev, st.st_ino)
        if not _may_be_legacy(os.pread(fd, 65536, 0)):
            return
        text = os.pread(fd, size, 0).decode("utf-8", errors="replace")
        data = _legacy_data(text)
        if data is None:
            return  # a corrupt line like any other: skipped when read
        backup = self.path.with_name(self.path.name + ".migrated")
        backup.write_text(text, encoding="utf-8")
        os.ftruncate(fd, 0)
        self._write_lines(fd, legacy_events(data))
        self._reset_cache()
        self._migrated = True

    def merge(self, events) -> int:
        """Append the ``events`` not in the log yet (by id), oldest first. Returns how many were added."""
        clean = [e for e in (valid_event(x) for x in events) if e is not None]
        with self._lock:
            if self._memory is None:
                try:
                    with self._open_locked() as fd:
                        self._refresh(fd)
                        new = _new_only(clean, self._ids)
                        if new:
                            self._write_lines(fd, new)
                        self._refresh(fd)
                    return len(new)
                except OSError as e:
                    self._fall_back_to_memory(e)
            new = _new_only(clean, self._ids)
            memory = self._memory if self._memory is not None else []
            self._memory = memory
            for event in new:
                memory.append(event)
                self._add(event)
            return len(new)

    def clear(self) -> None:
        """Forget all progress (deletes the log)."""
        with self._lock:
            if self._memory is not None:
                self._memory = []
            with contextlib.suppress(FileNotFoundError, OSError):
                self.path.unlink()
            self._reset_cache()
            self._migrated = True

    def _fall_back_to_memory(self, error: OSError) -> None:
        self._warn(
            "write",
            f"labkit can't write its progress log {self.path} ({error}); progress is kept in "
            f"memory for this session only. Fix: choose a writable file with "
            f"lk.exercises.progress_store('/some/writable/{FILE_NAME}') or {ENV_VAR}.",
        )
        self._refresh()
        self._memory = []
        with contextlib.suppress(OSError):
            self._memory = read_events(self.path)[0]

    def _warn_unreadable(self, error: OSError) -> None:
        self._warn(
            "read",
            f"labkit could not read its progress log {self.path} ({error}). Fix: check the file's "
            f"permissions, or choose another file with lk.exercises.progress_store(path) or {ENV_VAR}.",
        )

    def _warn(self, kind: str, message: str) -> None:
        if kind in self._warned:
            return
        self._warned.add(kind)
        warnings.warn(message, ProgressStoreWarning, stacklevel=5)


def _new_only(events: list[dict], known: set[str]) -> list[dict]:
    seen, out = set(known), []
    for e in sorted(events, key=lambda e: e["time"]):
        if e["id"] not in seen:
            seen.add(e["id"])
            out.append(e)
    return out


def _send(event) -> None:
    """Hand the event to the hub's progress service when there is one (returns at once otherwise)."""
    if event is None or not os.environ.get("JUPYTERHUB_API_TOKEN"):
        return
    with contextlib.suppress(Exception):  # the service is optional: the local log has the event
        from labkit.classroom.client import send

        send(event)


# ---------------------------------------------------------------------------------- the active store

_stores: dict[Path, ProgressStore] = {}
_configured: Path | None = None
_stores_lock = threading.Lock()


def _store_for(path: Path) -> ProgressStore:
    with _stores_lock:
        store = _stores.get(path)
        if store is None:
            store = _stores[path] = ProgressStore(path)
        return store


def progress_store(path=None) -> ProgressStore:
    """The progress log in use; with ``path``, use that file from now on (in this kernel).

    ``lk.exercises.progress_store("~/course/events.jsonl")``. Without ``path``: the file chosen earlier,
    else ``$LABKIT_PROGRESS``, else ``~/.labkit/events.jsonl``. ``lk.exercises.store.use_default()`` goes
    back to the default.
    """
    global _configured
    if path is not None:
        if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
            raise TypeError(f"progress_store expects a file path such as '~/.labkit/{FILE_NAME}', got {path!r}")
        chosen = Path(path).expanduser()
        if chosen.is_dir():
            raise ValueError(
                f"{chosen} is a folder; progress_store needs a file path inside it, e.g. {chosen / FILE_NAME}"
            )
        _configured = chosen
        return _store_for(chosen)
    return _store_for(_configured if _configured is not None else default_path())


def use_default() -> ProgressStore:
    """Forget ``progress_store(path)``: back to ``$LABKIT_PROGRESS`` or ``~/.labkit/events.jsonl``."""
    global _configured
    _configured = None
    return progress_store()


def attempts(exercise_id: str, since_reset: bool = False) -> int:
    """Checks of ``exercise_id`` in the active log (``since_reset``: since its last reset)."""
    return progress_store().attempts(exercise_id, since_reset=since_reset)


def hints_opened(exercise_id: str) -> int:
    """The highest hint number opened for ``exercise_id`` in the active log."""
    return progress_store().hints_opened(exercise_id)


def export_progress(path) -> Path:
    """Write the active progress log to ``path`` (JSON lines) to download or keep; returns the path."""
    target = Path(path).expanduser()
    if target.is_dir():
        target = target / FILE_NAME
    events = progress_store().events()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        for e in events:
            f.write(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n")
    os.replace(tmp, target)
    return target


def import_progress(path) -> int:
    """Merge a log (or an earlier labkit's progress.json) into the active log; events already there are not
    added twice. Returns the number of events added."""
    source = Path(path).expanduser()
    if not source.is_file():
        raise FileNotFoundError(
            f"No progress log at {source}. Give the path of a file written by "
            f"lk.exercises.export_progress(path) (or the Download link of lk.exercises.progress())."
        )
    events, bad = read_events(source)
    if bad and not events:
        raise ValueError(
            f"{source} holds no labkit progress events ({bad} line(s) that are not events). "
            f"Give a file written by lk.exercises.export_progress(path)."
        )
    return progress_store().merge(events)


def import_text(text: str) -> int:
    """Merge events given as text (the content of an uploaded log) into the active log."""
    legacy = _legacy_data(text)
    events, bad = (legacy_events(legacy), 0) if legacy is not None else parse_lines(text)
    if bad and not events:
        raise ValueError(f"That file holds no labkit progress events ({bad} line(s) that are not events).")
    return progress_store().merge(events)
