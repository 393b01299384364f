# syntax=docker/dockerfile:1
# kubectl-prism for running inside a cluster (deploy/): the CronJob report and the Prometheus exporter.
#
#   docker build -t REGISTRY/kubectl-prism:0.1.0 .
#
# The base image: slim Python on Debian. Pin it by digest for a reproducible image:
#   docker buildx imagetools inspect python:3.12-slim-bookworm   # prints the digest
#   docker build --build-arg PYTHON_IMAGE=python:3.12-slim-bookworm@sha256:DIGEST -t ... .
ARG PYTHON_IMAGE=python:3.12-slim-bookworm

# --- build: the project's wheel and every dependency's, nothing else -----------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY kubectl_prism ./kubectl_prism
RUN python -m pip wheel --wheel-dir /wheels .

# --- runtime: the wheels installed, a non-root user, no build tools ------------------------------
FROM ${PYTHON_IMAGE}
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python -m pip install --no-index --find-links=/wheels /wheels/kubectl_prism-*.whl \
    && groupadd --gid 10001 prism \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin prism
# A read-only root filesystem: no byte code written, settings and state under /tmp (an emptyDir).
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HOME=/tmp \
    PRISM_CONFIG_DIR=/tmp/prism/config PRISM_STATE_DIR=/tmp/prism/state
USER 10001:10001
ENTRYPOINT ["kubectl-prism"]
CMD ["--help"]
