"""The classroom: JupyterHub recipes (``classroom/``), nbgitpuller links, the progress service and the
class report — where the class is stuck.

    import labkit as lk
    lk.classroom.report("/home/*/.labkit/events.jsonl")     # per learner × exercise, per exercise
    lk.classroom.report(hub="https://hub.example.org")      # from the hub's progress service (admin token)
    lk.classroom.links(hub="https://hub.example.org", repo="https://github.com/o/labkit", lesson="03")

Rooms: ``pull_links`` (nbgitpuller links), ``client`` (a kernel sends its events to the hub),
``service`` (the hub's progress service), ``class_report`` (the report), ``localhub`` (a real hub on
127.0.0.1 for tests and the benchmark), ``errors``. See docs/classroom.md.
"""

from __future__ import annotations


def report(*paths, hub: str | None = None, token: str | None = None):
    """The class report from learners' progress logs (``paths``: files, folders or globs) or from the
    hub's progress service (``hub``: the hub's URL; ``token``: an admin's API token, default
    ``$JUPYTERHUB_API_TOKEN``). Shows as a table and heatmap in Jupyter; ``.to_csv(path)``, ``.to_html()``."""
    from labkit.classroom.class_report import build_report

    return build_report(paths, hub=hub, token=token)


def links(hub: str, repo: str, **options):
    """The nbgitpuller links for a lesson (or all lessons): see ``labkit.classroom.pull_links.make_links``."""
    from labkit.classroom.pull_links import make_links

    return make_links(hub=hub, repo=repo, **options)


__all__ = ["report", "links"]
