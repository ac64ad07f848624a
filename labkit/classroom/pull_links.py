"""nbgitpuller links: one click puts the lessons into a learner's home on the hub and opens one.

The three forms of nbgitpuller's link generator (https://nbgitpuller.readthedocs.io/en/latest/link.html):

* JupyterHub: ``{hub}/hub/user-redirect/git-pull?repo=…&urlpath=lab/tree/{clone}/{path}&branch=…``
* Binder: ``{binderhub}/v2/gh/{owner}/{env-repo}/{branch}?urlpath=git-pull?repo=…&urlpath=…&branch=…``
  (the environment comes from the environment repository, the content from ``repo``; the inner link is
  encoded once more as the value of ``urlpath``);
* Canvas/LTI: ``{hub}/hub/lti/launch?next=/hub/user-redirect/git-pull?…`` — the hub needs the LTI
  authenticator (ltiauthenticator) for this form.

``{clone}`` is the folder nbgitpuller clones into: the repository's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from labkit.classroom.errors import LinkError

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BINDER = "https://mybinder.org"
_BRANCH = re.compile(r"^[^\s~^:?*\[\\]+$")  # git's rules for a branch name (git check-ref-format)


@dataclass(frozen=True)
class LessonLinks:
    lesson: str  # the notebook's path inside the repository, e.g. notebooks/03-function-states.ipynb
    jupyterhub: str
    binder: str
    canvas: str

    def to_dict(self) -> dict:
        return {"lesson": self.lesson, "jupyterhub": self.jupyterhub, "binder": self.binder, "canvas": self.canvas}


def _web_url(value: str, what: str, option: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise LinkError(f"{option} is empty; give the {what}'s address, e.g. https://hub.example.org")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value.strip()):
        raise LinkError(
            f"{option} {value!r} is not a web address; give the {what}'s address starting with "
            f"https:// (or http://), e.g. https://hub.example.org"
        )
    if parts.query or parts.fragment:
        raise LinkError(f"{option} {value!r} has a query or fragment; give only the {what}'s base address.")
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") + "/", "", ""))


def _repo(value: str, option: str) -> tuple[str, str, str]:
    """(url, owner, name) of a git repository given by its web (https) address."""
    if not isinstance(value, str) or not value.strip():
        raise LinkError(f"{option} is empty; give the git repository's address, e.g. https://github.com/you/labkit")
    url = value.strip()
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or len(segments) < 2
        or parts.query
        or any(c.isspace() for c in url)
    ):
        raise LinkError(
            f"{option} {value!r} is not a git repository's web address; give one like "
            f"https://github.com/you/labkit (nbgitpuller clones over https)."
        )
    name = segments[-1].removesuffix(".git")
    return url, segments[0], name


def lessons(student: bool = False, root: Path = ROOT) -> list[str]:
    """The lessons' paths inside the repository (``student/`` copies with ``student=True``)."""
    folder = "student" if student else "notebooks"
    found = sorted(p.name for p in (root / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    return [f"{folder}/{name}" for name in found]


def _pick(lesson: str | None, student: bool, root: Path) -> list[str]:
    every = lessons(student, root)
    if lesson is None:
        return every
    key = str(lesson).strip()
    if key.isdigit():
        key = f"{int(key):02d}"
    chosen = [p for p in every if Path(p).name.startswith(f"{key}-") or Path(p).stem == key]
    if not chosen:
        numbers = ", ".join(Path(p).name[:2] for p in every)
        raise LinkError(f"No lesson {lesson!r}. The lessons are {numbers} (e.g. --lesson 03).")
    return chosen


def make_links(
    hub: str,
    repo: str,
    *,
    branch: str = "main",
    lesson: str | None = None,
    student: bool = False,
    binder_url: str = DEFAULT_BINDER,
    env_repo: str | None = None,
    root: Path = ROOT,
) -> list[LessonLinks]:
    """The nbgitpuller links (JupyterHub, Binder, Canvas/LTI) for ``lesson`` (e.g. "03"), or every lesson."""
    hub_base = _web_url(hub, "JupyterHub", "--hub")
    binder_base = _web_url(binder_url, "BinderHub", "--binder-url")
    repo_url, _, clone = _repo(repo, "--repo")
    env_url, env_owner, env_name = _repo(env_repo or repo, "--env-repo")
    if (
        not isinstance(branch, str)
        or not _BRANCH.match(branch)
        or ".." in branch
        or "@{" in branch
        or branch.startswith(("/", "-"))
        or branch.endswith(("/", ".", ".lock"))
    ):
        raise LinkError(f"--branch {branch!r} is not a branch name; give one like main.")
    out = []
    for path in _pick(lesson, student, root):
        urlpath = f"lab/tree/{clone}/{path}"
        query = urlencode({"repo": repo_url, "urlpath": urlpath, "branch": branch})
        jupyterhub = f"{hub_base}hub/user-redirect/git-pull?{query}"
        canvas = f"{hub_base}hub/lti/launch?" + urlencode({"next": f"/hub/user-redirect/git-pull?{query}"})
        if urlsplit(env_url).hostname == "github.com":
            env_path = f"v2/gh/{quote(env_owner, safe='')}/{quote(env_name, safe='')}/{quote(branch, safe='')}"
        else:
            env_path = f"v2/git/{quote(env_url, safe='')}/{quote(branch, safe='')}"
        binder = f"{binder_base}{env_path}?" + urlencode({"urlpath": f"git-pull?{query}"})
        out.append(LessonLinks(path, jupyterhub, binder, canvas))
    return out
