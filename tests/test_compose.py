"""The production container files keep their shape: services, health checks, scaling, secrets.

Reads docker-compose.yml and the Dockerfile as text; needs neither Docker nor Django
(run with `-p no:django`).
"""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"

APP_SERVICES = ["web", "worker", "worker-urgent", "beat", "migrate"]
LONG_RUNNING = ["web", "worker", "worker-urgent", "beat", "postgres", "redis"]
SCALABLE = ["web", "worker", "worker-urgent"]


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def command_text(service):
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def environment_of(service):
    env = service.get("environment", {})
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return env


def host_port_of(port):
    """The published host port of one `ports` entry, or None when Docker picks one."""
    if isinstance(port, dict):
        published = port.get("published")
        return str(published) if published not in (None, "") else None
    spec = str(port).split("/")[0]
    # [IP:][HOST:]CONTAINER; an empty HOST (as in "127.0.0.1::8000") is ephemeral.
    parts = spec.rsplit(":", 2)
    if len(parts) == 1:
        return None
    host = parts[-2]
    return host or None


def dockerfile_instructions(name):
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    return [
        line.split(None, 1)[1] if len(line.split(None, 1)) > 1 else ""
        for line in text.splitlines()
        if line.strip().upper().startswith(name + " ")
    ]


def test_the_production_services_are_all_defined(services):
    for name in [*APP_SERVICES, "postgres", "redis"]:
        assert name in services, f"docker-compose.yml has no {name!r} service"


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_each_long_running_service_has_a_healthcheck_with_a_test_command(services, name):
    healthcheck = services[name].get("healthcheck")
    assert healthcheck, f"{name} has no healthcheck"
    assert not healthcheck.get("disable"), f"{name} disables its healthcheck"
    test = healthcheck.get("test")
    assert test, f"{name} healthcheck has no test"
    if isinstance(test, list):
        assert test[0] in ("CMD", "CMD-SHELL"), test
        assert len(test) > 1, test
        assert all(str(part).strip() for part in test[1:]), test


def test_web_runs_gunicorn_with_threaded_workers(services):
    command = command_text(services["web"])
    assert "gunicorn" in command
    assert "ldn_journal.wsgi:application" in command
    assert re.search(r"--worker-class[ =]gthread|-k[ =]?gthread", command), command


def test_web_healthcheck_asks_healthz_without_curl(services):
    test = " ".join(services["web"]["healthcheck"]["test"])
    assert "/healthz" in test
    assert "urllib" in test
    assert "curl" not in test


def test_worker_runs_celery_and_is_pinged_under_its_own_node_name(services):
    worker = services["worker"]
    assert "celery -A ldn_journal worker" in command_text(worker)
    test = " ".join(worker["healthcheck"]["test"])
    assert "inspect ping" in test
    assert "celery@$$HOSTNAME" in test


def test_beat_runs_the_celery_scheduler_as_a_single_replica(services):
    beat = services["beat"]
    assert "celery -A ldn_journal beat" in command_text(beat)
    replicas = beat.get("deploy", {}).get("replicas", 1)
    assert replicas <= 1
    assert beat.get("scale", 1) <= 1


@pytest.mark.parametrize("name", SCALABLE)
def test_scalable_services_have_no_container_name(services, name):
    assert "container_name" not in services[name]


@pytest.mark.parametrize("name", SCALABLE)
def test_scalable_services_publish_no_fixed_host_port(services, name):
    for port in services[name].get("ports", []):
        host_port = host_port_of(port)
        assert host_port is None or "-" in host_port, (
            f"{name} publishes fixed host port {port!r}; replicas would collide"
        )


def test_migrate_is_a_one_shot_job_the_app_services_wait_for(services):
    migrate = services["migrate"]
    command = command_text(migrate)
    assert "manage.py migrate --noinput && python manage.py rebuild_attention" in command
    assert migrate.get("restart", "no") == "no"
    for name in ["web", "worker", "beat"]:
        depends_on = services[name]["depends_on"]
        assert depends_on["migrate"]["condition"] == "service_completed_successfully"
        assert depends_on["postgres"]["condition"] == "service_healthy"
        assert depends_on["redis"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_get_the_shared_production_environment(services, name):
    env = environment_of(services[name])
    assert env["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:6379")
    assert "SECRET_KEY" in env
    assert str(env["DEBUG"]).lower() == "false"
    assert str(env["LDN_REQUIRE_STAFF_MFA"]).lower() == "true"


def test_app_services_share_one_environment_anchor(services):
    environments = [environment_of(services[name]) for name in APP_SERVICES]
    assert all(env == environments[0] for env in environments)


@pytest.mark.parametrize("variable", ["SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_URL"])
def test_secrets_and_site_settings_come_from_the_deployer_not_the_file(services, variable):
    value = environment_of(services["web"])[variable]
    assert re.fullmatch(r"\$\{" + variable + r":\?[^}]*\}", value), value


def test_the_database_password_is_not_written_into_the_file(services):
    url = environment_of(services["web"])["DATABASE_URL"]
    assert "${POSTGRES_PASSWORD" in url
    password = environment_of(services["postgres"])["POSTGRES_PASSWORD"]
    assert password.startswith("${POSTGRES_PASSWORD")


def test_postgres_and_redis_keep_their_data_in_volumes(services):
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "ping" in " ".join(services["redis"]["healthcheck"]["test"])
    assert services["postgres"].get("volumes")


def redis_options(services):
    words = command_text(services["redis"]).split()
    return {
        words[i].removeprefix("--"): words[i + 1]
        for i in range(len(words) - 1)
        if words[i].startswith("--")
    }


def test_redis_keeps_queued_tasks_in_an_append_only_file_on_a_volume(services):
    assert redis_options(services)["appendonly"] == "yes"
    assert services["redis"].get("volumes")


def test_redis_refuses_writes_when_full_instead_of_evicting_queued_tasks(services):
    options = redis_options(services)
    assert options["maxmemory-policy"] == "noeviction"
    assert options["maxmemory"]


def test_the_dockerfile_exists_and_builds_on_python_311_slim():
    assert DOCKERFILE.is_file()
    text = DOCKERFILE.read_text()
    assert re.search(r"python:3\.11-slim", text)
    assert "pip install" in text
    assert "collectstatic --noinput" in text


def test_the_dockerfile_runs_as_a_non_root_user():
    users = dockerfile_instructions("USER")
    assert users, "Dockerfile has no USER line"
    final_user = users[-1].split(":")[0].strip()
    assert final_user not in ("root", "0")


def test_the_dockerfile_has_a_healthcheck_on_healthz():
    healthchecks = dockerfile_instructions("HEALTHCHECK")
    assert healthchecks, "Dockerfile has no HEALTHCHECK"
    assert "NONE" not in healthchecks[-1].upper().split()
    assert "/healthz" in healthchecks[-1]


def test_the_dockerfile_serves_gunicorn_with_threads_on_port_8000():
    assert "8000" in " ".join(dockerfile_instructions("EXPOSE"))
    cmd = dockerfile_instructions("CMD")[-1]
    assert "gunicorn" in cmd
    assert "gthread" in cmd
    assert "0.0.0.0:8000" in cmd


def test_the_dockerfile_keeps_the_build_secret_out_of_the_image_environment():
    env_lines = " ".join(dockerfile_instructions("ENV"))
    assert "SECRET_KEY" not in env_lines


def test_the_web_service_and_the_dockerfile_load_the_gunicorn_settings(services):
    # The settings file holds what flags cannot: gc.freeze() in a worker hook, max-requests.
    assert "--config python:ldn_journal.gunicorn_conf" in command_text(services["web"])
    assert '"--config", "python:ldn_journal.gunicorn_conf"' in dockerfile_instructions("CMD")[-1]


def test_a_worker_service_takes_only_the_urgent_queue(services):
    command = command_text(services["worker-urgent"])
    assert "--queues=urgent " in command + " "


def test_the_bulk_worker_takes_the_reminder_and_retry_queues(services):
    queues = next(
        word.split("=", 1)[1].split(",")
        for word in command_text(services["worker"]).split()
        if word.startswith("--queues=")
    )
    assert {"reminders", "retries", "urgent"} <= set(queues)
