# syntax=docker/dockerfile:1
# Production image for LDN Journal: one image runs the web (gunicorn), the Celery worker,
# Celery beat and the one-shot migrate job; docker-compose.yml picks the command.
#
#   docker build -t ldn-journal .
#
# Every Python dependency is a wheel (psycopg[binary] included), so no compiler or libpq
# is needed in either stage. They come from requirements.lock (`make lock`), with hashes.

ARG PYTHON_IMAGE=python:3.11-slim

# --- build: a virtualenv with the project and its pinned dependencies -------------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src

# Dependencies first, from the lock alone, so that editing the code does not reinstall
# them: every transitive dependency pinned with its hashes (pip refuses any other file).
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY . .
RUN pip install --no-deps . && rm -rf build ./*.egg-info

# The translations, compiled from locale/*/LC_MESSAGES/django.po (the .mo files are not in
# git). GNU gettext stays in this stage; only the compiled catalogs reach the runtime.
RUN apt-get update -q \
    && apt-get install -y -q --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/* \
    && find locale -name django.po -execdir msgfmt --check-format -o django.mo django.po \;

# --- runtime ------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

# PYTHONPATH=/app: the code runs from the source tree in /app (manage.py, templates/,
# static/ and BASE_DIR live there); it shadows the identical copy pip put in the venv.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=ldn_journal.settings

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin app

COPY --from=build /opt/venv /opt/venv

WORKDIR /app
# Code stays owned by root: the app user can read it but not change it.
COPY . /app
COPY --from=build /src/locale /app/locale

# collectstatic imports the settings, which refuse to load in production without a
# SECRET_KEY. This throwaway value exists only for this one RUN step (a build arg is not
# kept in the image's environment); the real key comes from the runtime environment.
# DEBUG=false so the same static storage (hashed, compressed by WhiteNoise) is built as the
# one production serves.
ARG BUILD_SECRET_KEY=collectstatic-only-not-a-real-secret
RUN SECRET_KEY="$BUILD_SECRET_KEY" \
    DEBUG=false \
    ALLOWED_HOSTS=localhost \
    EMAIL_URL=consolemail:// \
    python manage.py collectstatic --noinput

# var/ is the only writable place for the app user (Celery beat keeps its schedule there).
RUN mkdir -p /app/var && chown app:app /app/var

USER app:app

EXPOSE 8000

# gunicorn_conf.py adds what the flags cannot say: the application loaded and warmed once in
# the master before the workers are forked (preload_app), gc.freeze() once a worker has
# started and max-requests with jitter (see that file). `make bench` runs exactly this command.

# No curl in slim: ask /healthz with urllib. The Host header is the first ALLOWED_HOSTS
# entry (a request for 127.0.0.1 would be refused as a bad host), X-Forwarded-Proto says
# https as the TLS-terminating proxy would, and redirects are not followed, so the check
# never leaves the container.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os,sys,urllib.request as u;h=os.environ.get('ALLOWED_HOSTS','localhost').split(',')[0].strip().lstrip('.');h=h if h not in ('','*') else 'localhost';o=u.build_opener(type('NoRedirect',(u.HTTPRedirectHandler,),{'redirect_request':lambda *a,**k:None}));r=o.open(u.Request('http://127.0.0.1:8000/healthz',headers={'Host':h,'X-Forwarded-Proto':'https'}),timeout=4);sys.exit(0 if r.status==200 else 1)"]

CMD ["gunicorn", "ldn_journal.wsgi:application", "--config", "python:ldn_journal.gunicorn_conf", "--worker-class", "gthread", "--workers", "2", "--threads", "4", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm", "--access-logfile", "-"]
