# The flow runtime's images, built by `cdk deploy` (infra_cdk/components/flow_runtime.py: DockerImageAsset).
# Stage `flows` (the default): the project (flows, livebase, ...) at every pin of constraints.txt, for
# flow runs, the signal bridge and forecast-scaleout's SageMaker job (functions/, infra_cdk/ and
# livebase_local/ stay out: no flow imports them). Stage `worker`: the Prefect ECS
# worker alone (prefect-aws does not resolve with constraints.txt: infra_cdk/worker-image-requirements.txt).
# python3.12: the Lambda runtime (infra_cdk/components/functions.py), so flows and handlers run alike.
# tests/infra/test_flow_runtime.py installs both requirement files into a clean venv, without Docker.
ARG PYTHON_IMAGE=python:3.12-slim

FROM ${PYTHON_IMAGE} AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/tmp \
    PREFECT_HOME=/tmp/.prefect
# The tasks run with a read-only root file system and a scratch volume at /tmp (flow_runtime.py).
RUN useradd --system --uid 10001 --no-create-home --home-dir /tmp livebase

FROM base AS worker
COPY infra_cdk/worker-image-requirements.txt /opt/worker-requirements.txt
RUN pip install -r /opt/worker-requirements.txt
USER livebase
CMD ["prefect", "worker", "start", "--type", "ecs"]

FROM base AS flows
# prefect.yaml's pull step works in $LIVEBASE_HOME; flows find the market table through cdk.json.
ENV LIVEBASE_HOME=/opt/livebase \
    LIVEBASE_CDK_JSON=/opt/livebase/cdk.json
WORKDIR /opt/livebase
COPY pyproject.toml constraints.txt README.md cdk.json ./
COPY infra_cdk/flow-image-requirements.txt infra_cdk/
COPY config config
COPY layers layers
COPY flows flows
RUN pip install -r infra_cdk/flow-image-requirements.txt
USER livebase
CMD ["python", "-m", "flows.signal_bridge"]
