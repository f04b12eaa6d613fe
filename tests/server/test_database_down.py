"""While the database is unavailable: a real `twostep serve` on a PostgreSQL database that is
then taken away (its connections terminated, the database renamed). The pages and the API
answer 503 with Retry-After (a page, the API's JSON error), `/healthz` still says the process
is alive, `/readyz` says why it is not ready; all of it recovers when the database is back."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import httpx
import pytest

from server.support import PG_HOST, TWOSTEP, ServerProcess, base_env, postgres_database

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def _psql(sql: str, *variables: str) -> None:
    """``sql`` run by psql; ``:'v1'``... (quoted by psql) are ``variables``."""
    subprocess.run(
        [
            "psql",
            *(f"--set=v{i}={v}" for i, v in enumerate(variables, 1)),
            "-h",
            PG_HOST,
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-q",
        ],
        input=sql.encode(),  # from stdin: psql substitutes the variables there, not in -c
        check=True,
        capture_output=True,
        timeout=60,
    )


def _take_away(name: str, away: str) -> None:
    """Terminate the database's connections and rename it (again if a connection came back)."""
    for _ in range(20):
        _psql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = :'v1' AND pid <> pg_backend_pid()",
            name,
        )
        try:
            _psql(f'ALTER DATABASE "{name}" RENAME TO "{away}"')
            return
        except subprocess.CalledProcessError:
            continue
    raise AssertionError("could not take the database away")


def test_pages_and_api_answer_503_while_the_database_is_away() -> None:
    with (
        tempfile.TemporaryDirectory(prefix="twostep-down-") as data,
        postgres_database("twostep_down") as url,
    ):
        name = url.rsplit("/", 1)[1]
        env = base_env(Path(data), TWOSTEP_DATABASE_URL=url)
        with ServerProcess(env, workers=1, threads=2) as server:
            key = subprocess.run(
                [str(TWOSTEP), "apikeys", "create", "--scope", "admin", "--name", "k", "--quiet"],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            ).stdout.strip()
            api = {"Authorization": f"Bearer {key}"}
            with httpx.Client(base_url=server.url, timeout=30) as http:
                assert http.get("readyz").status_code == 200
                assert http.get("/").status_code == 302  # to the welcome page
                assert http.get("api/v1/admin/users", headers=api).status_code == 200

                _take_away(name, name + "_away")
                try:
                    page = http.get("/")
                    assert page.status_code == 503, page.text
                    assert page.headers["content-type"].startswith("text/html")
                    assert int(page.headers["retry-after"]) > 0
                    assert "Unavailable for a moment" in page.text
                    assert "Traceback" not in page.text
                    assert name not in page.text

                    answer = http.get("api/v1/admin/users", headers=api)
                    assert answer.status_code == 503, answer.text
                    assert answer.json()["code"] == "unavailable"
                    assert int(answer.headers["retry-after"]) > 0
                    assert name not in answer.text

                    assert http.get("healthz").status_code == 200  # alive: do not restart
                    ready = http.get("readyz")
                    assert ready.status_code == 503
                    assert "database: unavailable" in ready.text
                    assert int(ready.headers["retry-after"]) > 0
                finally:
                    _psql(f'ALTER DATABASE "{name}_away" RENAME TO "{name}"')

                assert http.get("readyz").status_code == 200
                assert http.get("/").status_code == 302
                assert http.get("api/v1/admin/users", headers=api).status_code == 200
