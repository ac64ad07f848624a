"""The hub recipes: classroom/jupyterhub_config.py (one machine) and classroom/z2jh/config.yaml (Kubernetes)
hold what docs/classroom.md promises. The Kubernetes one can't run here: it is parsed and checked, and
validated against the chart's values schema when LABKIT_Z2JH_CHART names an unpacked chart folder
(helm pull jupyterhub/jupyterhub --version 4.4.0 --untar)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parents[2]
HUB_CONFIG = ROOT / "classroom" / "jupyterhub_config.py"
Z2JH = ROOT / "classroom" / "z2jh" / "config.yaml"


def _load(monkeypatch, tmp_path, **env):
    for key in [k for k in os.environ if k.startswith("LABKIT_HUB_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("LABKIT_HUB_DIR", str(tmp_path / "state"))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return PyFileConfigLoader(HUB_CONFIG.name, path=str(HUB_CONFIG.parent)).load_config()


def test_a_real_vm_gets_systemd_limits_first_use_sign_in_an_admin_the_culler_and_the_service(monkeypatch, tmp_path):
    c = _load(monkeypatch, tmp_path)
    assert c.JupyterHub.spawner_class == "systemdspawner.SystemdSpawner"
    assert c.SystemdSpawner.mem_limit == "1G" and c.SystemdSpawner.cpu_limit == 1.0
    assert c.SystemdSpawner.dynamic_users is True
    assert c.JupyterHub.authenticator_class == "firstuseauthenticator.FirstUseAuthenticator"
    assert c.Authenticator.admin_users == {"instructor"}
    services = {s["name"]: s for s in c.JupyterHub.services}
    assert set(services) == {"idle-culler", "labkit-progress"}
    assert "jupyterhub_idle_culler" in services["idle-culler"]["command"]
    assert "labkit.classroom.service" in services["labkit-progress"]["command"]
    port = services["labkit-progress"]["url"].rsplit(":", 1)[1]
    assert c.Spawner.environment["LABKIT_PROGRESS_URL"] == f"http://127.0.0.1:{port}/services/labkit-progress/"
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    assert "delete:servers" in roles["jupyterhub-idle-culler"]["scopes"]
    assert "access:services!service=labkit-progress" in roles["user"]["scopes"]
    assert c.JupyterHub.bind_url == "http://127.0.0.1:8000"
    import firstuseauthenticator  # noqa: F401 - the classes the recipe names are installed
    import systemdspawner  # noqa: F401


def test_one_setting_selects_the_local_spawner_for_this_machine(monkeypatch, tmp_path):
    c = _load(monkeypatch, tmp_path, LABKIT_HUB_SPAWNER="local", LABKIT_HUB_AUTH="dummy", LABKIT_HUB_ADMIN="teacher")
    assert c.JupyterHub.spawner_class == "simple"
    assert "SystemdSpawner" not in c
    assert c.Authenticator.admin_users == {"teacher"} and c.JupyterHub.authenticator_class == "dummy"
    assert c.SimpleLocalProcessSpawner.home_dir_template.startswith(str(tmp_path / "state"))


def test_a_misspelt_setting_stops_the_hub_with_the_choices(monkeypatch, tmp_path):
    with pytest.raises(SystemExit, match="systemd.*local"):
        _load(monkeypatch, tmp_path, LABKIT_HUB_SPAWNER="docker")


def _z2jh() -> dict:
    return yaml.safe_load(Z2JH.read_text())


def test_z2jh_values_hold_what_the_docs_promise():
    v = _z2jh()
    assert v["singleuser"]["image"]["name"].endswith("labkit-singleuser")
    mem = v["singleuser"]["memory"]
    units = {"M": 1, "G": 1024}
    as_mb = {k: int(re.match(r"(\d+)([MG])", mem[k]).group(1)) * units[mem[k][-1]] for k in ("guarantee", "limit")}
    assert 0 < as_mb["guarantee"] <= as_mb["limit"]
    assert v["cull"]["enabled"] is True and v["cull"]["timeout"] > 0
    assert v["scheduling"]["userPlaceholder"]["enabled"] is True and v["scheduling"]["podPriority"]["enabled"]
    assert v["prePuller"]["hook"]["enabled"] and v["prePuller"]["continuous"]["enabled"]
    service = v["hub"]["services"]["labkit-progress"]
    assert "labkit.classroom.service" in service["command"] and service["url"] == "http://hub:10101"
    assert v["singleuser"]["extraEnv"]["LABKIT_PROGRESS_URL"].startswith("http://hub:10101/services/labkit-progress")
    assert "access:services!service=labkit-progress" in v["hub"]["loadRoles"]["user"]["scopes"]
    assert v["hub"]["config"]["Authenticator"]["admin_users"] == ["instructor"]
    assert any(p["port"] == 10101 for p in v["hub"]["service"]["extraPorts"])
    # nbgitpuller and the JupyterHub version are in the learners' image, built from requirements-classroom.txt
    script = (ROOT / "classroom" / "z2jh" / "build-images.sh").read_text()
    assert "repo2docker" in script and "requirements-classroom.txt" in script


def test_one_jupyterhub_version_for_both_recipes():
    pins = dict(
        line.split("#")[0].strip().split("==")
        for line in (ROOT / "requirements-classroom.txt").read_text().splitlines()
        if "==" in line
    )
    assert pins["jupyterhub"].startswith("5.") and "nbgitpuller" in pins and "jupyterhub-idle-culler" in pins
    import jupyterhub

    assert jupyterhub.__version__ == pins["jupyterhub"]
    assert "k8s-hub:4." in (ROOT / "classroom" / "z2jh" / "hub.Dockerfile").read_text()  # chart 4.x: JupyterHub 5


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return out


@pytest.mark.skipif(
    not os.environ.get("LABKIT_Z2JH_CHART"),
    reason="set LABKIT_Z2JH_CHART to an unpacked jupyterhub chart (helm pull --untar) to validate",
)
def test_z2jh_values_are_valid_for_the_charts_schema():
    import json

    import jsonschema

    chart = Path(os.environ["LABKIT_Z2JH_CHART"])
    schema_file = next(p for p in (chart / "values.schema.json", chart / "values.schema.yaml") if p.exists())
    schema = (
        json.loads(schema_file.read_text())
        if schema_file.suffix == ".json"
        else yaml.safe_load(schema_file.read_text())
    )
    merged = _merge(yaml.safe_load((chart / "values.yaml").read_text()), _z2jh())
    errors = [f"{list(e.path)}: {e.message}" for e in jsonschema.Draft7Validator(schema).iter_errors(merged)]
    assert errors == []
    broken = _merge(merged, {"singleuser": {"memory": {"guarantee": "512M", "gaurantee": "1G"}}})
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))  # the schema does catch a typo
