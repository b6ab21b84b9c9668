"""The image the Dockerfile builds, run for real, as its own user.

`scripts/image.sh build` builds it with Docker where an engine runs, otherwise with podman on a
base image made from Debian's packages (the script says why and how). Then, in containers of it:
`fullpicture --version`; the demo on the embedded store in the state directory the image
declares; and each docker-compose.yml service's exact command line, with the environment and
volumes compose gives it, against the real PostgreSQL and Kafka `make test` starts, on the host
network. Skipped only where podman cannot be installed at all (no Docker engine either).
"""

from __future__ import annotations

import io
import json
import stat
import subprocess
import tarfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from consumers import kafka_security
from fullpicture.config import Settings
from tests.conftest import REPO_ROOT
from tests.test_docker_compose_commands import (  # noqa: F401 - fixtures
    Stack,
    admin_settings,
    agencies_file,
    compose,
    each_service_does_its_job,
    free_port,
    principals,
)

IMAGE_SCRIPT = REPO_ROOT / "scripts" / "image.sh"
IMAGE_ID_FILE = REPO_ROOT / ".fullpicture" / "image.id"
NO_ENGINE = 3  # scripts/image.sh: podman cannot be installed and no Docker engine runs
BUILD_TIMEOUT_S = 30 * 60  # a cold cache: Debian's packages for the base image, then the build
RUN_TIMEOUT_S = 120
IMAGE_USER = "fullpicture"
IMAGE_UID = 10001
HOME = "/home/fullpicture"
# Inside a container: the real user ID of each of its processes.
EVERY_PROCESS_S_USER = (
    "import pathlib; print(*(p.read_text().split('Uid:')[1].split()[0]"
    " for p in pathlib.Path('/proc').glob('[0-9]*/status')))"
)


@dataclass(frozen=True)
class Engine:
    """Docker or podman as scripts/image.sh found them here, and the image it built."""

    words: list[str]
    run_options: list[str]
    image: str

    def command(self, *args: str, timeout: float = RUN_TIMEOUT_S) -> str:
        done = subprocess.run(
            [*self.words, *args], capture_output=True, text=True, timeout=timeout, check=False
        )
        assert done.returncode == 0, f"{args}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def run(
        self,
        *args: str,
        name: str = "",
        options: tuple[str, ...] = (),
        remove: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        """A container of the image, as the user the image names (never --user)."""
        argv = [*self.words, "run", *self.run_options, *options]
        argv += ["--name", name] if name else []
        argv += ["--rm"] if remove else []
        return subprocess.run(
            [*argv, self.image, *args],
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
            check=False,
        )

    def succeeds(self, *args: str) -> bool:
        done = subprocess.run([*self.words, *args], capture_output=True, timeout=RUN_TIMEOUT_S)
        return done.returncode == 0

    def configuration(self) -> dict[str, Any]:
        return json.loads(
            self.command("image", "inspect", "--format", "{{json .Config}}", self.image)
        )


def script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(IMAGE_SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        check=False,
    )


@pytest.fixture(scope="module")
def engine() -> Engine:
    built = script("build")
    if built.returncode == NO_ENGINE:
        pytest.skip(f"podman cannot be installed here, and no Docker engine runs:\n{built.stderr}")
    assert built.returncode == 0, f"scripts/image.sh build failed:\n{built.stderr}"
    found = script("engine")
    assert found.returncode == 0, found.stderr
    options = script("run-options")
    return Engine(
        words=found.stdout.splitlines(),
        run_options=options.stdout.splitlines(),
        image=IMAGE_ID_FILE.read_text().strip(),
    )


@pytest.fixture
def container_names(engine: Engine) -> Iterator[list[str]]:
    """Containers and volumes named by a test, removed after it."""
    made: list[str] = []
    yield made
    for name in made:
        subprocess.run([*engine.words, "rm", "-f", name], capture_output=True, check=False)
        subprocess.run(
            [*engine.words, "volume", "rm", "-f", name], capture_output=True, check=False
        )


def new_name(made: list[str], what: str) -> str:
    name = f"fullpicture-test-{what}-{uuid.uuid4().hex[:8]}"
    made.append(name)
    return name


def state_dir(engine: Engine) -> str:
    """The state directory the image declares."""
    environment = dict(item.split("=", 1) for item in engine.configuration()["Env"])
    return environment["FULLPICTURE_STATE_DIR"]


def test_the_image_runs_fullpicture_as_its_own_unprivileged_user(engine: Engine) -> None:
    configuration = engine.configuration()
    assert configuration["User"] == IMAGE_USER
    assert configuration["Entrypoint"] == ["fullpicture"]
    done = engine.run("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"fullpicture {version('fullpicture')}"


def test_the_state_and_credentials_directories_and_home_are_the_user_s_own(
    engine: Engine,
) -> None:
    state = state_dir(engine)
    assert state == f"{HOME}/state"
    probe = (
        "import json, os, sys; print(json.dumps({'uid': os.getuid(), 'paths': "
        "{p: [os.stat(p).st_uid, os.stat(p).st_gid, os.stat(p).st_mode] for p in sys.argv[1:]}}))"
    )
    paths = [HOME, state, f"{state}/credentials"]
    done = engine.run("-c", probe, *paths, options=("--entrypoint", "python"))
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["uid"] == IMAGE_UID
    for path, (uid, gid, mode) in found["paths"].items():
        assert (uid, gid) == (IMAGE_UID, IMAGE_UID), f"{path} belongs to {uid}:{gid}"
        assert stat.S_IMODE(mode) & stat.S_IRWXU == stat.S_IRWXU, path
    for secret in paths[1:]:  # the embedded store and the agencies' credentials
        assert stat.S_IMODE(found["paths"][secret][2]) & 0o077 == 0, secret


def test_the_demo_records_into_the_declared_state_directory(
    engine: Engine, container_names: list[str]
) -> None:
    name = new_name(container_names, "demo")
    done = engine.run("demo", "--no-dashboard", "--children", "20", name=name, remove=False)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    assert "demo partnership: 13 agencies, 20 children" in done.stdout
    state = state_dir(engine)
    archive = subprocess.run(
        [*engine.words, "cp", f"{name}:{state}", "-"], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as copied:
        files = {Path(m.name).name: m for m in copied.getmembers()}
    database = files["fullpicture.sqlite"]
    assert database.size > 0
    assert (database.uid, stat.S_IMODE(database.mode)) == (IMAGE_UID, 0o600)
    assert files["people.sqlite"].uid == IMAGE_UID


class ImageStack(Stack):
    """The compose services as containers of the image: each gets only the environment compose
    gives it (mapped onto the test's servers as the parent class does), the image's own state
    directory, and the volumes compose mounts (the named one made fresh for the test)."""

    def __init__(
        self,
        settings: Settings,
        tmp_path: Path,
        agencies: Path,
        engine: Engine,
        credentials_volume: str,
    ) -> None:
        super().__init__(settings, tmp_path, agencies)
        self.engine = engine
        self.env_dir = tmp_path
        self.mounts = {}  # paths stay the container's own
        self.credentials_volume = credentials_volume
        self.sources = {
            "./deploy/agencies.csv": str(agencies),
            "agency-credentials": credentials_volume,
        }

    def environment(self, service: str) -> dict[str, str]:
        declared = compose()["services"][service]["environment"]
        return {k: v for k, v in super().environment(service).items() if k in declared}

    def options(self, service: str, volumes: tuple[str, ...] = ()) -> tuple[str, ...]:
        env_file = self.env_dir / f"{service}.env"
        env_file.touch(mode=0o600)
        env_file.write_text("".join(f"{k}={v}\n" for k, v in self.environment(service).items()))
        options = ["--env-file", str(env_file)]
        for volume in [*compose()["services"][service].get("volumes", []), *volumes]:
            source, _, mounted = volume.partition(":")
            options += ["--volume", f"{self.sources.get(source, source)}:{mounted}"]
        return tuple(options)

    def run(
        self,
        service: str,
        *extra: str,
        command: list[str] | None = None,
        volumes: tuple[str, ...] = (),
    ) -> str:
        args = [*(command or self.command(service)), *extra]
        done = self.engine.run(*args, options=self.options(service, volumes))
        assert done.returncode == 0, f"{service}: {args}\n{done.stdout}\n{done.stderr}"
        return done.stdout + done.stderr

    def credentials_dir(self) -> str:
        """Where compose mounts the credentials volume: the image's own credentials directory."""
        [mounted] = [
            volume.split(":")[1]
            for volume in compose()["services"]["init"]["volumes"]
            if volume.startswith("agency-credentials:")
        ]
        return mounted

    def credentials(self, code: str) -> Path:
        volume = self.engine.command(
            "volume", "inspect", "--format", "{{.Mountpoint}}", self.credentials_volume
        )
        return Path(volume.strip()) / f"agency-{code}.json"

    def subscribe(self, code: str) -> str:
        read = ["subscribe", "--agency", code, "--from-beginning", "--format", "jsonl"]
        path = f"{self.credentials_dir()}/{self.credentials(code).name}"
        volume = f"agency-credentials:{self.credentials_dir()}:ro"
        return self.run("feeds", command=[*read, "--credentials", path], volumes=(volume,))


@pytest.mark.postgres
@pytest.mark.kafka
def test_each_compose_service_s_command_does_its_job_in_the_image(
    engine: Engine,
    container_names: list[str],
    admin_settings: Settings,  # noqa: F811
    principals: list[str],  # noqa: F811
    agencies_file: tuple[Path, list[str]],  # noqa: F811
    tmp_path: Path,
) -> None:
    path, codes = agencies_file
    credentials_volume = new_name(container_names, "credentials")
    stack = ImageStack(admin_settings, tmp_path, path, engine, credentials_volume)
    principals.extend(
        kafka_security.service_username(admin_settings.topics, s) for s in kafka_security.SERVICES
    )

    each_service_does_its_job(stack, codes)

    # The named volume took the ownership the image gives its credentials directory.
    assert stack.credentials_dir() == f"{state_dir(engine)}/credentials"
    written = stack.credentials(codes[1])
    assert (written.parent.stat().st_uid, written.stat().st_uid) == (IMAGE_UID, IMAGE_UID)
    assert stat.S_IMODE(written.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(written.stat().st_mode) == 0o600

    port = str(free_port())
    command = [port if part == "8501" else part for part in stack.command("dashboard")]
    dashboard = new_name(container_names, "dashboard")
    options = ("--detach", *stack.options("dashboard"))
    started = engine.run(*command, name=dashboard, options=options, remove=False)
    assert started.returncode == 0, started.stderr
    probe = compose()["services"]["dashboard"]["healthcheck"]["test"]
    assert probe[:2] == ["CMD", "python"]
    check = [*probe[1:-1], probe[-1].replace("8501", port)]
    deadline = time.monotonic() + 90
    while not engine.succeeds("exec", dashboard, *check):
        running = engine.command("inspect", "--format", "{{.State.Running}}", dashboard).strip()
        if running != "true" or time.monotonic() > deadline:
            logs = subprocess.run(
                [*engine.words, "logs", dashboard], capture_output=True, text=True
            )
            pytest.fail(f"no answer to the health check (running: {running}):\n{logs.stderr}")
        time.sleep(1)
    owners = engine.command("exec", dashboard, "python", "-c", EVERY_PROCESS_S_USER)
    assert set(owners.split()) == {str(IMAGE_UID)}, owners
