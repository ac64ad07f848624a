#!/bin/sh
# Build the learners' image for classroom/z2jh/config.yaml with repo2docker, from binder/ (the same
# environment as Binder), plus the JupyterHub and nbgitpuller versions of requirements-classroom.txt.
# Usage (from the repository's root):  classroom/z2jh/build-images.sh REGISTRY/labkit-singleuser TAG
set -eu
image="${1:?usage: $0 REGISTRY/labkit-singleuser TAG}"
tag="${2:?usage: $0 REGISTRY/labkit-singleuser TAG}"
pins=$(grep -E '^(jupyterhub|nbgitpuller)==' requirements-classroom.txt | cut -d' ' -f1 | tr '\n' ' ')
python3 -m pip install --quiet 'jupyter-repo2docker'
jupyter-repo2docker --no-run --user-id 1000 --user-name jovyan --image-name "${image}:${tag}" \
  --appendix "RUN python3 -m pip install --no-cache-dir ${pins}" .
docker push "${image}:${tag}"
docker build -f classroom/z2jh/hub.Dockerfile -t "${image%-singleuser}-hub:${tag}" .
docker push "${image%-singleuser}-hub:${tag}"
