from django.test import Client, override_settings


def test_healthz_answers_for_any_host_without_touching_the_database():
    response = Client(HTTP_HOST="10.0.0.7:8000").get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_checks_database_and_redis(db):
    response = Client(HTTP_HOST="10.0.0.7").get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_readyz_fails_when_redis_is_unreachable(db):
    response = Client(HTTP_HOST="10.0.0.7").get("/readyz")
    assert response.status_code == 503
    assert response.json()["redis"].startswith("error") and response.json()["database"] == "ok"


def test_other_paths_still_need_a_units_domain(db):
    assert Client(HTTP_HOST="10.0.0.7").get("/").status_code == 404
