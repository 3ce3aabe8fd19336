"""The app's endpoints, through Flask's test client (no server, no port)."""

from flask_demo import create_app


def test_healthz_reports_status_version_and_commit() -> None:
    client = create_app({"APP_VERSION": "1.2.3", "GIT_COMMIT": "abc123"}).test_client()
    res = client.get("/healthz")
    assert res.status_code == 200
    assert res.get_json() == {"status": "ok", "version": "1.2.3", "commit": "abc123"}


def test_healthz_defaults_when_the_build_did_not_say() -> None:
    res = create_app({}).test_client().get("/healthz")
    assert res.get_json() == {"status": "ok", "version": "0.0.0-dev", "commit": "unknown"}


def test_index_greets() -> None:
    res = create_app({}).test_client().get("/")
    assert res.status_code == 200
    assert res.get_json() == {"message": "hello from flask-demo"}


def test_unknown_path_is_404() -> None:
    assert create_app({}).test_client().get("/nope").status_code == 404
