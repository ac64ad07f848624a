# labkit's JupyterHub for a workshop on one machine (up to about 50 learners), the way The Littlest
# JupyterHub does it. See docs/classroom.md.
#
#   jupyterhub -f classroom/jupyterhub_config.py
#
# Everything that differs between a real VM and a laptop or CI is one environment variable:
#
#   LABKIT_HUB_SPAWNER   systemd (default): SystemdSpawner, one Unix user per learner (systemd's dynamic
#                        users), memory and CPU limits enforced by systemd. Needs root and systemd.
#                        local: SimpleLocalProcessSpawner, every learner a process of the hub's own user,
#                        in its own home folder under LABKIT_HUB_DIR/home. No limits are enforced. For
#                        `make hub`, the tests and the benchmark only — never for a real class.
#   LABKIT_HUB_AUTH      firstuse (default): a learner signs in with any name and chooses a password at the
#                        first sign-in (FirstUseAuthenticator). dummy: one shared password
#                        (LABKIT_HUB_PASSWORD, or none) — tests and benchmark only.
#   LABKIT_HUB_ADMIN     the instructor's account (an admin): default "instructor".
#   LABKIT_HUB_DIR       the hub's state (its database, cookie secret, the progress service's events):
#                        default /srv/labkit-hub (systemd) or ./.hub (local).
#   LABKIT_HUB_IP, LABKIT_HUB_PORT   where learners connect: default 127.0.0.1:8000 (a TLS reverse proxy
#                        — Caddy, nginx — in front on a VM; see docs/classroom.md).
#   LABKIT_HUB_API_PORT, LABKIT_PROGRESS_PORT, LABKIT_HUB_PROXY_API_PORT   the internal ports
#                        (defaults 8081, 10101, 8001), all on 127.0.0.1.
#   LABKIT_HUB_MEM_LIMIT, LABKIT_HUB_CPU_LIMIT   per learner under systemd (defaults 1G and 1.0: see
#                        bench/classroom.json for the measured peak of a learner).
#   LABKIT_HUB_CULL_TIMEOUT   seconds of inactivity before a learner's server is stopped (default 3600).

import os
import shutil
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

SPAWNER = os.environ.get("LABKIT_HUB_SPAWNER", "systemd").strip().lower()
AUTH = os.environ.get("LABKIT_HUB_AUTH", "firstuse").strip().lower()
if SPAWNER not in ("systemd", "local"):
    sys.exit(f"LABKIT_HUB_SPAWNER must be 'systemd' (a real VM) or 'local' (this machine), got {SPAWNER!r}")
if AUTH not in ("firstuse", "dummy"):
    sys.exit(f"LABKIT_HUB_AUTH must be 'firstuse' (a class) or 'dummy' (tests), got {AUTH!r}")

ADMIN = os.environ.get("LABKIT_HUB_ADMIN", "instructor").strip() or "instructor"
STATE = Path(os.environ.get("LABKIT_HUB_DIR") or ("/srv/labkit-hub" if SPAWNER == "systemd" else ".hub")).resolve()
STATE.mkdir(parents=True, exist_ok=True, mode=0o700)
IP = os.environ.get("LABKIT_HUB_IP", "127.0.0.1")
PORT = int(os.environ.get("LABKIT_HUB_PORT", "8000"))
API_PORT = int(os.environ.get("LABKIT_HUB_API_PORT", "8081"))
PROXY_API_PORT = int(os.environ.get("LABKIT_HUB_PROXY_API_PORT", "8001"))
PROGRESS_PORT = int(os.environ.get("LABKIT_PROGRESS_PORT", "10101"))
PYTHON = sys.executable  # the hub's environment is also the learners' (labkit, JupyterLab, nbgitpuller)

# --- the hub and its proxy ------------------------------------------------------------------------
c.JupyterHub.bind_url = f"http://{IP}:{PORT}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = API_PORT
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PROXY_API_PORT}"
c.ConfigurableHTTPProxy.command = [shutil.which("configurable-http-proxy") or "configurable-http-proxy"]
if Path("/usr/share/nodejs").is_dir():  # Debian's node-configurable-http-proxy under another Node.js (NodeSource)
    os.environ["NODE_PATH"] = os.pathsep.join(p for p in (os.environ.get("NODE_PATH"), "/usr/share/nodejs") if p)
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True
c.JupyterHub.default_url = "/hub/home"

# --- who may sign in --------------------------------------------------------------------------------
c.Authenticator.admin_users = {ADMIN}
c.Authenticator.allow_all = True  # a workshop: whoever has the link signs up (see docs/classroom.md)
if AUTH == "firstuse":
    c.JupyterHub.authenticator_class = "firstuseauthenticator.FirstUseAuthenticator"
    c.FirstUseAuthenticator.create_users = True
    c.FirstUseAuthenticator.min_password_length = 8
    c.FirstUseAuthenticator.dbm_path = str(STATE / "passwords.dbm")
else:
    c.JupyterHub.authenticator_class = "dummy"
    if os.environ.get("LABKIT_HUB_PASSWORD"):
        c.DummyAuthenticator.password = os.environ["LABKIT_HUB_PASSWORD"]

# --- the learners' servers ----------------------------------------------------------------------------
c.Spawner.cmd = [str(Path(PYTHON).with_name("jupyterhub-singleuser"))]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 60
c.Spawner.environment = {
    # the learner's kernels send their progress events here, with their own JUPYTERHUB_API_TOKEN
    "LABKIT_PROGRESS_URL": f"http://127.0.0.1:{PROGRESS_PORT}/services/labkit-progress/"
}
if SPAWNER == "systemd":
    c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
    c.SystemdSpawner.dynamic_users = True  # one Unix user per learner, created and kept by systemd
    c.SystemdSpawner.mem_limit = os.environ.get("LABKIT_HUB_MEM_LIMIT", "1G")
    c.SystemdSpawner.cpu_limit = float(os.environ.get("LABKIT_HUB_CPU_LIMIT", "1.0"))
    c.SystemdSpawner.isolate_tmp = True
    c.SystemdSpawner.isolate_devices = True
    c.SystemdSpawner.disable_user_sudo = True
    c.SystemdSpawner.default_shell = "/bin/bash"
else:
    c.JupyterHub.spawner_class = "simple"  # SimpleLocalProcessSpawner: no limits, for this machine only
    c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "home" / "{username}")
    c.Spawner.notebook_dir = str(STATE / "home" / "{username}")
    if os.geteuid() == 0:  # containers and CI often run as root; on a real VM learners never are
        c.Spawner.args = ["--allow-root"]

# --- services: the idle culler and labkit's progress service ----------------------------------------------
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [
            PYTHON,
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={int(os.environ.get('LABKIT_HUB_CULL_TIMEOUT', '3600'))}",
            "--cull-every=300",
        ],
    },
    {
        "name": "labkit-progress",
        "url": f"http://127.0.0.1:{PROGRESS_PORT}",
        "command": [PYTHON, "-m", "labkit.classroom.service", "--db", str(STATE / "labkit-progress.sqlite")],
        "oauth_no_confirm": True,
        "display": True,
    },
]
c.JupyterHub.load_roles = [
    {
        "name": "jupyterhub-idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    },
    {
        # every learner (and so their server's token) may reach the progress service
        "name": "user",
        "scopes": ["self", "access:services!service=labkit-progress"],
    },
]

# --- automation (tests, the benchmark, scripts): an API token for the instructor, given by the caller ------
if os.environ.get("LABKIT_HUB_ADMIN_TOKEN"):
    c.JupyterHub.api_tokens = {os.environ["LABKIT_HUB_ADMIN_TOKEN"]: ADMIN}
