"""The progress store: every check (and every hint asked for) is counted in a small JSON file.

Where: the path given to ``lk.exercises.progress_store(path)``, else the environment variable
``LABKIT_PROGRESS``, else ``~/.labkit/progress.json``. The file looks like::

    {"format": "labkit-progress", "version": 1,
     "exercises": {"conditions/require-vpc": {"topic": "conditions", "attempts": 3, "correct": 1,
                                              "hints": 2, "solved": true, "first_checked": "2024-…",
                                              "last_checked": "2024-…", "solved_at": "2024-…"}}}

Robustness rules:

* a missing file (or folder) is a fresh start; it is created at the first check;
* a file that is not valid JSON, or not a progress file, is moved aside (``progress.json.corrupt``) with
  one warning, and progress starts fresh — an exercise never fails because of its progress file;
* a file that can't be written (read-only home, full disk) gives one warning; progress is then kept in
  memory for this kernel;
* two kernels writing at once don't lose each other's counts: every update takes a lock
  (``progress.json.lock``), reads the file as it is now, adds its own counts, writes a temporary file
  and renames it over the old one (an atomic replace), then releases the lock.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as _dt
import json
import os
import tempfile
import threading
import time
import warnings
from pathlib import Path

ENV_VAR = "LABKIT_PROGRESS"
FORMAT = "labkit-progress"
VERSION = 1
LOCK_TIMEOUT = 10.0  # seconds to wait for another kernel's lock before going ahead without it
STALE_LOCK = 30.0  # a lock file older than this (without fcntl) is left over from a crash


class ProgressStoreWarning(UserWarning):
    """The progress file could not be read or written; the exercise itself goes on."""


def default_path() -> Path:
    """``$LABKIT_PROGRESS`` if set, else ``~/.labkit/progress.json``."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser()
    return Path.home() / ".labkit" / "progress.json"


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _empty() -> dict:
    return {"format": FORMAT, "version": VERSION, "exercises": {}}


def _count(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _clean_entry(raw) -> dict:
    """A well-formed entry from whatever the file held (bad fields become zero/empty)."""
    raw = raw if isinstance(raw, dict) else {}
    entry = {
        "topic": raw.get("topic") if isinstance(raw.get("topic"), str) else "",
        "attempts": _count(raw.get("attempts")),
        "correct": _count(raw.get("correct")),
        "hints": _count(raw.get("hints")),
        "solved": bool(raw.get("solved")) or _count(raw.get("correct")) > 0,
    }
    for key in ("first_checked", "last_checked", "solved_at"):
        if isinstance(raw.get(key), str):
            entry[key] = raw[key]
    return entry


class _Corrupt(Exception):
    pass


def _parse(text: str) -> dict:
    try:
        data = json.loads(text)
    except ValueError as e:
        raise _Corrupt(f"not valid JSON ({e})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("exercises"), dict):
        raise _Corrupt("not a labkit progress file (no \"format\": \"labkit-progress\" with \"exercises\")")
    if data.get("version") != VERSION:
        raise _Corrupt(f"written by another labkit version (format version {data.get('version')!r})")
    return {"format": FORMAT, "version": VERSION,
            "exercises": {k: _clean_entry(v) for k, v in data["exercises"].items() if isinstance(k, str)}}


class ProgressStore:
    """The progress of one file. Get the active one with ``lk.exercises.progress_store()``."""

    def __init__(self, path):
        self.path = Path(path).expanduser()
        self._memory: dict | None = None  # set when the file can't be written: progress lives here
        self._warned: set[str] = set()
        self._thread_lock = threading.Lock()

    def __repr__(self) -> str:
        where = f"{self.path}" + (" (in memory: the file can't be written)" if self._memory is not None else "")
        return f"<labkit progress store {where}>"

    # ------------------------------------------------------------------------------ reading

    def load(self) -> dict:
        """The whole store as a dict (a fresh, empty one when the file is missing or unreadable)."""
        if self._memory is not None:
            return copy.deepcopy(self._memory)
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return _empty()
        except (OSError, UnicodeDecodeError) as e:
            self._warn("read", f"labkit could not read the progress file {self.path} ({e}); starting fresh. "
                               f"Fix: check the file's permissions, or choose another file with "
                               f"lk.exercises.progress_store(path) or {ENV_VAR}.")
            return _empty()
        try:
            return _parse(text)
        except _Corrupt as e:
            self._warn("corrupt", f"labkit's progress file {self.path} is {e}; starting fresh (the old file is "
                                  f"moved to {self.path.name}.corrupt at the next check).")
            return _empty()

    def entry(self, exercise_id: str) -> dict:
        """One exercise's counts: attempts, correct, hints, solved (zeros when never checked)."""
        return self.load()["exercises"].get(exercise_id, _clean_entry({}))

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
            got = data.get(e.id, _clean_entry({"topic": e.topic}))
            topic["total"] += 1
            topic["attempted"] += got["attempts"] > 0
            topic["solved"] += got["solved"]
            topic["exercises"][e.id] = got
        return out

    # ------------------------------------------------------------------------------ writing

    def record_check(self, exercise_id: str, topic: str, correct: bool) -> None:
        """Count one check of ``exercise_id`` (never raises)."""
        now = _now()

        def change(entry: dict) -> None:
            entry["topic"] = topic
            entry["attempts"] += 1
            entry.setdefault("first_checked", now)
            entry["last_checked"] = now
            if correct:
                entry["correct"] += 1
                if not entry["solved"]:
                    entry["solved"] = True
                    entry["solved_at"] = now

        self._update(exercise_id, change)

    def record_hint(self, exercise_id: str, topic: str) -> None:
        """Count one hint shown for ``exercise_id`` (never raises)."""

        def change(entry: dict) -> None:
            entry["topic"] = topic
            entry["hints"] += 1

        self._update(exercise_id, change)

    def clear(self) -> None:
        """Forget all progress (deletes the file)."""
        with self._thread_lock, self._file_lock():
            self._memory = None if self._memory is None else _empty()
            with contextlib.suppress(FileNotFoundError, OSError):
                self.path.unlink()

    def _update(self, exercise_id: str, change) -> None:
        try:
            with self._thread_lock:
                if self._memory is not None:
                    change(self._memory["exercises"].setdefault(exercise_id, _clean_entry({})))
                    return
                with self._file_lock():
                    data = self._read_for_update()
                    change(data["exercises"].setdefault(exercise_id, _clean_entry({})))
                    self._write(data)
        except OSError as e:
            self._fall_back_to_memory(exercise_id, change, e)
        except Exception as e:  # noqa: BLE001 - progress must never break an exercise
            self._warn("unexpected", f"labkit could not record progress in {self.path} ({type(e).__name__}: {e}).")

    def _read_for_update(self) -> dict:
        """The file's current content, under the lock; a corrupt file is moved aside first."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return _empty()
        except UnicodeDecodeError:
            text = "\ufffd"
        try:
            return _parse(text)
        except _Corrupt as e:
            backup = self.path.with_name(self.path.name + ".corrupt")
            with contextlib.suppress(OSError):
                os.replace(self.path, backup)
            self._warn("corrupt", f"labkit's progress file {self.path} is {e}; starting fresh. The old file was "
                                  f"moved to {backup}.")
            return _empty()

    def _write(self, data: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=1, sort_keys=True)
                f.write("\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def _fall_back_to_memory(self, exercise_id: str, change, error: OSError) -> None:
        self._warn("write", f"labkit can't write its progress file {self.path} ({error}); progress is kept in "
                            f"memory for this session only. Fix: choose a writable file with "
                            f"lk.exercises.progress_store('/some/writable/progress.json') or {ENV_VAR}.")
        with self._thread_lock:
            if self._memory is None:
                self._memory = self.load() if self.path.exists() else _empty()
            change(self._memory["exercises"].setdefault(exercise_id, _clean_entry({})))

    @contextlib.contextmanager
    def _file_lock(self):
        """An exclusive lock shared by every kernel using this file (fcntl where available, else a lock file)."""
        lock_path = self.path.with_name(self.path.name + ".lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:  # Windows, some browser builds: an exclusive-create lock file
            fcntl = None
        if fcntl is not None:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                locked = False
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                    locked = True
                except OSError:  # a file system without locks: go ahead (one writer is the common case)
                    pass
                try:
                    yield
                finally:
                    if locked:
                        fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
            return
        deadline = time.monotonic() + LOCK_TIMEOUT
        fd = None
        while fd is None:
            try:
                fd = os.open(lock_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                with contextlib.suppress(OSError):
                    if time.time() - lock_path.stat().st_mtime > STALE_LOCK:
                        lock_path.unlink()
                        continue
                if time.monotonic() > deadline:
                    break
                time.sleep(0.01)
        try:
            yield
        finally:
            if fd is not None:
                os.close(fd)
                with contextlib.suppress(OSError):
                    lock_path.unlink()

    def _warn(self, kind: str, message: str) -> None:
        if kind in self._warned:
            return
        self._warned.add(kind)
        warnings.warn(message, ProgressStoreWarning, stacklevel=4)


# ---------------------------------------------------------------------------------- the active store

_stores: dict[Path, ProgressStore] = {}
_configured: Path | None = None
_lock = threading.Lock()


def _store_for(path: Path) -> ProgressStore:
    with _lock:
        store = _stores.get(path)
        if store is None:
            store = _stores[path] = ProgressStore(path)
        return store


def progress_store(path=None) -> ProgressStore:
    """The progress store in use; with ``path``, use that file from now on (in this kernel).

    ``lk.exercises.progress_store("~/course/progress.json")``. Without ``path``: the file chosen
    earlier, else ``$LABKIT_PROGRESS``, else ``~/.labkit/progress.json``. ``progress_store(None)`` after a
    choice keeps it; use ``lk.exercises.store.use_default()`` to go back to the default.
    """
    global _configured
    if path is not None:
        if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
            raise TypeError(f"progress_store expects a file path such as '~/.labkit/progress.json', got {path!r}")
        chosen = Path(path).expanduser()
        if chosen.is_dir():
            raise ValueError(f"{chosen} is a folder; progress_store needs a file path inside it, e.g. "
                             f"{chosen / 'progress.json'}")
        _configured = chosen
        return _store_for(chosen)
    return _store_for(_configured if _configured is not None else default_path())


def use_default() -> ProgressStore:
    """Forget ``progress_store(path)``: back to ``$LABKIT_PROGRESS`` or ``~/.labkit/progress.json``."""
    global _configured
    _configured = None
    return progress_store()
