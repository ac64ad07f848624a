# The hub image for classroom/z2jh/config.yaml: the chart's own hub image plus labkit, whose progress
# service the hub runs (python3 -m labkit.classroom.service). Build from the repository's root:
#
#   docker build -f classroom/z2jh/hub.Dockerfile -t REGISTRY/labkit-hub:TAG .
#
# The service needs only tornado and JupyterHub, both in the base image: labkit goes in without its
# dependencies.
FROM quay.io/jupyterhub/k8s-hub:4.4.0
USER root
COPY pyproject.toml README.md /opt/labkit/
COPY labkit /opt/labkit/labkit
RUN python3 -m pip install --no-cache-dir --no-deps /opt/labkit
USER ${NB_USER}
