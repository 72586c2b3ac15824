"""The Helm chart, rendered by Helm's own engine (helm-python-sdk bundles the Helm SDK) and every manifest validated
against the Kubernetes schemas (kubernetes-validate, strict: unknown fields fail), for each ci/*-values.yaml.
"""

import json
from pathlib import Path

import helm_python as helm
import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / "helm" / "carehub"
CASES = sorted(path.stem for path in (CHART / "ci").glob("*-values.yaml"))
KUBERNETES = "1.30"  # the oldest minor version the chart supports
KEDA_SCHEMA = json.loads((Path(__file__).parent / "helm" / "keda-scaledobject.schema.json").read_text())


def values_of(case: str) -> dict:
    return yaml.safe_load((CHART / "ci" / f"{case}.yaml").read_text())


def render(values: dict, **options) -> list[dict]:
    with helm.Chart.load(CHART) as chart:
        manifests = chart.render(values, name="carehub", namespace="carehub", is_install=True, **options)
    return [document for path, text in sorted(manifests.items()) if path.endswith(".yaml")
            for document in yaml.safe_load_all(text) if document]


def by_kind(documents: list[dict], kind: str) -> dict[str, dict]:
    return {document["metadata"]["name"]: document for document in documents if document["kind"] == kind}


def pod_specs(documents: list[dict]) -> dict[str, dict]:
    return {document["metadata"]["name"]: document["spec"]["template"]["spec"]
            for document in documents if document["kind"] in ("Deployment", "Job")}


@pytest.fixture(scope="module", params=CASES)
def rendered(request) -> tuple[str, list[dict]]:
    return request.param, render(values_of(request.param))


def test_every_manifest_validates_against_the_kubernetes_schemas(rendered):
    case, documents = rendered
    for document in documents:
        if document["apiVersion"].startswith("keda.sh/"):
            jsonschema.validate(document, KEDA_SCHEMA)
        else:
            kubernetes_validate.validate(document, KUBERNETES, strict=True)
    lint = helm.lint(CHART, values_of(case), strict=True, kube_version=f"v{KUBERNETES}.0")
    assert lint["errors"] == [], lint


def test_web_has_probes_a_disruption_budget_and_an_autoscaler(rendered):
    _case, documents = rendered
    web = by_kind(documents, "Deployment")["carehub-web"]
    container = web["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert "replicas" not in web["spec"]  # the HPA owns it; a re-applied chart must not reset it
    autoscaler = by_kind(documents, "HorizontalPodAutoscaler")["carehub-web"]
    assert autoscaler["spec"]["scaleTargetRef"]["name"] == "carehub-web"
    budget = by_kind(documents, "PodDisruptionBudget")["carehub-web"]
    assert budget["spec"]["selector"]["matchLabels"] == web["spec"]["selector"]["matchLabels"]


def test_one_worker_per_queue_with_report_limits(rendered):
    _case, documents = rendered
    deployments = by_kind(documents, "Deployment")
    commands = {name: deployments[f"carehub-worker-{name}"]["spec"]["template"]["spec"]["containers"][0]["command"]
                for name in ("default", "sms", "reports")}
    assert "--queues=celery" in commands["default"]
    assert "--queues=sms" in commands["sms"]
    reports = commands["reports"]
    assert "--queues=reports" in reports
    assert any(arg.startswith("--max-memory-per-child=") for arg in reports)
    assert any(arg.startswith("--time-limit=") for arg in reports)
    assert any(arg.startswith("--soft-time-limit=") for arg in reports)


def test_workers_consume_every_queue_the_app_routes_to(rendered):
    from carehub.celery import app

    _case, documents = rendered
    commands = [document["spec"]["template"]["spec"]["containers"][0]["command"]
                for document in by_kind(documents, "Deployment").values()]
    queues = {arg.removeprefix("--queues=") for command in commands for arg in command if arg.startswith("--queues=")}
    consumed = {queue for listed in queues for queue in listed.split(",")}
    assert consumed == {app.conf.task_default_queue, *app.conf.carehub_queues.values()}


def test_beat_is_single_and_recreated(rendered):
    _case, documents = rendered
    beat = by_kind(documents, "Deployment")["carehub-beat"]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}


def test_migrations_run_as_a_hook_after_the_settings_exist(rendered):
    _case, documents = rendered
    job = by_kind(documents, "Job")["carehub-migrate"]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert job["spec"]["template"]["spec"]["containers"][0]["command"][:3] == ["carehub", "migrate", "--noinput"]
    config = by_kind(documents, "ConfigMap")["carehub-config"]
    assert config["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert int(config["metadata"]["annotations"]["helm.sh/hook-weight"]) < int(
        job["metadata"]["annotations"]["helm.sh/hook-weight"])


def test_ingress_serves_the_console_and_every_unit_over_tls(rendered):
    case, documents = rendered
    base = values_of(case)["baseDomain"]
    ingress = by_kind(documents, "Ingress")["carehub"]
    hosts = [rule["host"] for rule in ingress["spec"]["rules"]]
    assert hosts == [base, f"*.{base}"]
    assert ingress["spec"]["tls"][0]["hosts"] == hosts


def test_every_pod_is_locked_down_and_sized(rendered):
    _case, documents = rendered
    for name, spec in pod_specs(documents).items():
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["automountServiceAccountToken"] is False, name
        assert {"name": "tmp", "emptyDir": {}} in spec["volumes"], name
        for container in spec["containers"]:
            assert container["securityContext"]["readOnlyRootFilesystem"] is True, name
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"], name
            assert container["resources"]["requests"] and container["resources"]["limits"]["memory"], name
            assert {"configMapRef": {"name": "carehub-config"}} in container["envFrom"], name


def test_production_values_scale_workers_on_queue_length():
    values = values_of("production-values")
    documents = render(values)
    scaled = by_kind(documents, "ScaledObject")
    assert set(scaled) == {"carehub-worker-default", "carehub-worker-sms", "carehub-worker-reports"}
    trigger = scaled["carehub-worker-sms"]["spec"]["triggers"][0]
    assert trigger["type"] == "redis"
    assert trigger["metadata"]["listName"] == "sms"
    assert trigger["metadata"]["address"] == values["keda"]["redis"]["address"]
    for name in scaled:  # KEDA's HPA owns the replica count
        assert "replicas" not in by_kind(documents, "Deployment")[name]["spec"]
    assert "Secret" not in {document["kind"] for document in documents}  # existingSecret
    secret_refs = {ref["secretRef"]["name"] for spec in pod_specs(documents).values()
                   for ref in spec["containers"][0]["envFrom"] if "secretRef" in ref}
    assert secret_refs == {"carehub-production"}


def test_without_an_existing_secret_the_chart_makes_one_and_requires_its_keys():
    base = {"baseDomain": "carehub.example.org"}
    secrets = {"SECRET_KEY": "k" * 50, "DATABASE_URL": "postgres://db/carehub", "REDIS_URL": "redis://redis:6379/0",
               "TWILIO_AUTH_TOKEN": "token"}
    documents = render({**base, "secrets": secrets})
    secret = by_kind(documents, "Secret")["carehub-secrets"]
    assert secret["stringData"] == secrets
    for document in documents:
        kubernetes_validate.validate(document, KUBERNETES, strict=True)
    with pytest.raises(helm.HelmError, match="existingSecret"):
        render({**base, "secrets": {"SECRET_KEY": "k"}})


def test_base_domain_is_required():
    with pytest.raises(helm.HelmError, match="baseDomain is required"):
        render({"existingSecret": "carehub-secrets"})


def test_settings_changes_roll_the_pods():
    def checksum(values):
        return by_kind(render(values), "Deployment")["carehub-web"]["spec"]["template"]["metadata"]["annotations"][
            "checksum/config"]

    values = values_of("default-values")
    assert checksum(values) != checksum({**values, "config": {"LOG_LEVEL": "DEBUG"}})
