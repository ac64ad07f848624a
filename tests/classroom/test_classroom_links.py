"""nbgitpuller links: the three documented forms, encoded so that parsing them back gives the inputs."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from labkit.classroom.pull_links import LinkError, lessons, make_links
from labkit.cli import main

HUB = "https://hub.example.org/"
REPO = "https://github.com/teach-er/labkit"


def _one(**kw):
    (x,) = make_links(HUB, REPO, lesson="03", **kw)
    return x


def _query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, strict_parsing=True).items()}


@pytest.mark.parametrize("student,folder", [(False, "notebooks"), (True, "student")], ids=["lesson", "student-copy"])
def test_jupyterhub_link_parses_back_to_repo_branch_and_lesson(student, folder):
    x = _one(student=student, branch="class/2026+spring&x#1")
    parts = urlsplit(x.jupyterhub)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "hub.example.org", "/hub/user-redirect/git-pull")
    q = _query(x.jupyterhub)
    assert q == {
        "repo": REPO,
        "branch": "class/2026+spring&x#1",
        "urlpath": f"lab/tree/labkit/{folder}/{x.lesson.split('/')[1]}",
    }
    assert x.lesson.startswith(f"{folder}/03-") and " " not in x.jupyterhub


def test_binder_link_nests_the_git_pull_link_encoded_once_more():
    x = _one(env_repo="https://github.com/teach-er/labkit-env.git", binder_url="https://binder.example.org/base")
    parts = urlsplit(x.binder)
    assert parts.netloc == "binder.example.org" and parts.path == "/base/v2/gh/teach-er/labkit-env/main"
    inner = _query(x.binder)["urlpath"]
    assert inner.startswith("git-pull?")
    q = _query("http://x/" + inner)
    assert q["repo"] == REPO and q["branch"] == "main" and q["urlpath"].startswith("lab/tree/labkit/notebooks/03-")
    assert "%252F" in x.binder  # the inner link's slashes, encoded twice


def test_binder_defaults_to_mybinder_and_to_the_content_repository():
    x = _one()
    assert x.binder.startswith("https://mybinder.org/v2/gh/teach-er/labkit/main?urlpath=git-pull%3F")


def test_canvas_lti_link_carries_the_hub_link_in_next():
    x = _one()
    parts = urlsplit(x.canvas)
    assert parts.path == "/hub/lti/launch"
    nxt = _query(x.canvas)["next"]
    assert nxt.startswith("/hub/user-redirect/git-pull?")
    assert _query("http://x" + nxt) == _query(x.jupyterhub)


def test_every_lesson_without_lesson_and_a_hub_under_a_path():
    every = make_links("https://example.org/jupyter", REPO)
    assert [x.lesson for x in every] == lessons() and len(every) >= 9
    assert every[0].jupyterhub.startswith("https://example.org/jupyter/hub/user-redirect/git-pull?")


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"hub": "hub.example.org"}, "not a web address"),
        ({"hub": "ftp://hub.example.org"}, "not a web address"),
        ({"hub": "https://hub.example.org/?x=1"}, "query"),
        ({"hub": ""}, "empty"),
        ({"repo": "git@github.com:me/labkit.git"}, "not a git repository"),
        ({"repo": "https://github.com/onlyowner"}, "not a git repository"),
        ({"env_repo": "labkit"}, "--env-repo"),
        ({"binder_url": "mybinder.org"}, "--binder-url"),
        ({"branch": "a b"}, "branch"),
        ({"lesson": "42"}, "No lesson"),
    ],
    ids=["no-scheme", "ftp", "query", "empty-hub", "ssh-repo", "no-name", "env-repo", "binder", "branch", "lesson"],
)
def test_bad_input_is_a_clear_error(kwargs, message):
    args = {"hub": HUB, "repo": REPO, **kwargs}
    with pytest.raises(LinkError, match=message):
        make_links(**args)


def test_cli_prints_the_three_forms_and_exits_2_on_a_bad_url(capsys):
    assert main(["classroom", "link", "--hub", HUB, "--repo", REPO, "--lesson", "02", "--student"]) == 0
    out = capsys.readouterr().out
    assert "student/02-" in out and out.count("https://") >= 3 and "LTI" in out
    assert main(["classroom", "link", "--hub", "nohost", "--repo", REPO]) == 2
    assert "not a web address" in capsys.readouterr().err
