"""The app's endpoints, through Starlette's TestClient (httpx, from the "test" group; no port)."""

from starlette.testclient import TestClient

from hello_api.app import create_app


def test_healthz_reports_status_version_and_commit() -> None:
    res = TestClient(create_app({"APP_VERSION": "1.2.3", "GIT_COMMIT": "abc123"})).get("/healthz")
    assert res.status_code == 200
    assert res.json() == {"status": "ok", "version": "1.2.3", "commit": "abc123"}


def test_index_greets_through_the_workspace_member() -> None:
    client = TestClient(create_app({}))
    assert client.get("/").json() == {"message": "hello, world"}
    assert client.get("/", params={"name": "fargate"}).json() == {"message": "hello, fargate"}


def test_unknown_path_is_404() -> None:
    assert TestClient(create_app({})).get("/nope").status_code == 404
