# Keras Functional API Lab: one Streamlit server (one replica) with its Keras worker processes.
#
#   docker build -t keras-functional-lab .
#   docker run --rm -p 8501:8501 keras-functional-lab
#
# Several replicas behind a sticky proxy: deploy/compose.yaml and deploy/k8s/ (docs/SCALE_OUT.md).
FROM python:3.11-slim-bookworm

# Settings come from the environment; every one can be overridden with `docker run -e` or in
# compose/k8s. Environment variables override .streamlit/config.toml (Streamlit reads them after it).
#   STREAMLIT_SERVER_PORT      port Streamlit listens on (the HEALTHCHECK follows it)
#   KFL_WORKERS                Keras worker processes per replica (~0.66 GB each). Empty = automatic:
#                              2, or 1 when the container's memory limit (cgroup) is under 3 GB or it has 1 CPU
#   KFL_MAX_TRAIN_SECONDS      wall-time cap of one training run (the app's default is 30)
#   KFL_CALL_TIMEOUT           seconds a page waits for a worker job (the app's default is 300)
#   KFL_WORKER_MAX_JOBS / KFL_WORKER_MAX_GROWTH_MB   when a worker is recycled (defaults 500 / 150)
#   KERAS_LAB_OFFLINE=1        never try to download ImageNet weights (a cluster without egress)
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TF_CPP_MIN_LOG_LEVEL=3 \
    KERAS_BACKEND=tensorflow \
    STREAMLIT_SERVER_PORT=8501 \
    STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false \
    KFL_WORKERS=""

# A fixed, unprivileged user; its home holds Keras' and Streamlit's caches (~/.keras, ~/.streamlit).
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app

WORKDIR /app

# The pinned requirements first, so a code change does not reinstall TensorFlow.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

# The app itself (.dockerignore keeps out .venv, .git, tests, benchmarks, caches). Owned by
# root and only readable by the app user: the server never writes into its own code.
COPY . .

# Numeric, so Kubernetes can verify runAsNonRoot without looking inside the image.
USER 10001:10001

EXPOSE 8501

# The same endpoint the proxy and the k8s probes use. No curl in the slim image: Python's urllib.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://localhost:%s/_stcore/health' % os.environ.get('STREAMLIT_SERVER_PORT', '8501'), timeout=4)"]

# 0.0.0.0: reachable from the proxy / the pod network, not only from inside the container.
CMD ["streamlit", "run", "streamlit_app.py", "--server.address=0.0.0.0"]
