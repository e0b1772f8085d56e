# The runtime's image: `ethiq serve` (the default command) answers every tenant's webhooks;
# `ethiq worker` (run the image with the command `worker`) runs the background jobs on
# PostgreSQL (alert outbox, invitations). The HEALTHCHECK probes the web liveness path: a worker
# container declares its own check (or none) where it is run.
# Multi-stage: the build stage installs the package with its runtime dependencies only (the
# lock's pins as constraints, no dev extra) into /opt/ethiq; the final stage copies that
# environment and runs as an unprivileged user. The port, the bind address and the health path
# are declared in runtime/serving.py; tests/platform/test_serving.py checks this file against it.
# The platform stack runs it on Fargate (infra/platform_stack/runtime_service.py); the workflow
# .github/workflows/runtime-image.yml builds, pushes and rolls it out on merge.
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/ethiq
COPY pyproject.toml requirements.lock README.md ./
COPY ethiq ./ethiq
COPY infra ./infra
COPY policies ./policies
COPY runtime ./runtime
RUN /opt/ethiq/bin/pip install --constraint requirements.lock .

FROM ${PYTHON_IMAGE}
RUN useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin ethiq
COPY --from=build /opt/ethiq /opt/ethiq
ENV PATH=/opt/ethiq/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ETHIQ_HOST=0.0.0.0 \
    ETHIQ_PORT=8000
USER 10001
WORKDIR /tmp
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=2)"]
ENTRYPOINT ["ethiq"]
CMD ["serve"]
