"""deploy/k8s rendered offline (tests/deploy/kustomize.py), validated against the Kubernetes API
schemas of one fixed version (kubernetes-validate, strict) and the CloudNativePG schemas kept in
deploy/k8s/schemas, then held to the platform's policies."""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from sqlalchemy.engine import make_url

from tests.deploy.kustomize import (
    KustomizeError,
    Resource,
    build,
    containers,
    pod_templates,
    split_image,
)
from tests.deploy.support import (
    APPS,
    K8S,
    OVERLAYS,
    WORKER_SERVICES,
    documented_variables,
    settings_classes,
)

KUBERNETES_VERSION = "1.33.0"
CRD_SCHEMAS = {
    ("postgresql.cnpg.io/v1", "Cluster"): "postgresql.cnpg.io/cluster_v1.json",
    ("postgresql.cnpg.io/v1", "ScheduledBackup"): "postgresql.cnpg.io/scheduledbackup_v1.json",
}
PLATFORM_SECRET = "sela-secrets"
# The second internal secret a rotation adds for a while (docs/operations.md).
ROTATION_KEY = "internal-secret-accepted"


@cache
def _render(overlay: str) -> tuple[Resource, ...]:
    return tuple(build(K8S / "overlays" / overlay))


def render(overlay: str) -> list[Resource]:
    return copy.deepcopy(list(_render(overlay)))


def of_kind(resources: list[Resource], kind: str) -> list[Resource]:
    return [r for r in resources if r["kind"] == kind]


def named(resources: list[Resource], kind: str, name: str) -> Resource:
    found = [r for r in of_kind(resources, kind) if r["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind} {name}: {len(found)} found"
    return found[0]


def crd_validator(api_version: str, kind: str) -> jsonschema.Draft7Validator:
    schema = json.loads((K8S / "schemas" / CRD_SCHEMAS[(api_version, kind)]).read_text())
    return jsonschema.Draft7Validator(schema)


def validate(resource: Resource) -> None:
    key = (resource["apiVersion"], resource["kind"])
    if key in CRD_SCHEMAS:
        crd_validator(*key).validate(resource)
    else:
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """A Kubernetes label selector (matchLabels and matchExpressions) applied to labels."""
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions", []):
        key, operator = expression["key"], expression["operator"]
        values = expression.get("values", [])
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
    return True


def pods(resources: list[Resource]) -> Iterator[tuple[Resource, dict[str, Any]]]:
    for resource in resources:
        for template in pod_templates(resource):
            yield resource, template


# Rendering and schemas


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_and_every_resource_is_valid(overlay: str) -> None:
    resources = render(overlay)
    kinds = {r["kind"] for r in resources}
    assert kinds >= {
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "NetworkPolicy",
        "Job",
        "Ingress",
        "ConfigMap",
        "Cluster",
        "Namespace",
    }
    namespace = named(resources, "Namespace", f"sela-{overlay}" if overlay == "dev" else "sela")
    for resource in resources:
        validate(resource)
        if resource is not namespace:
            assert resource["metadata"]["namespace"] == namespace["metadata"]["name"]


def test_validation_is_strict_for_kubernetes_and_cloudnativepg_kinds() -> None:
    resources = render("prod")
    deployment = named(resources, "Deployment", "gateway")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError, match="readinesProbe"):
        validate(deployment)
    cluster = named(resources, "Cluster", "sela-gateway-db")
    cluster["spec"]["storage"]["sise"] = "1Gi"
    with pytest.raises(jsonschema.ValidationError, match="sise"):
        validate(cluster)
    backup = of_kind(resources, "ScheduledBackup")[0]
    backup["spec"]["schedule"] = "0 2 * * *"  # five fields: CloudNativePG wants six
    with pytest.raises(jsonschema.ValidationError):
        validate(backup)


def test_the_schemas_kept_in_the_repository_are_valid_json_schemas() -> None:
    for path in CRD_SCHEMAS.values():
        schema = json.loads((K8S / "schemas" / path).read_text())
        jsonschema.Draft7Validator.check_schema(schema)


# Workloads


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_resources_probes_and_a_pinned_image(overlay: str) -> None:
    resources = render(overlay)
    for resource in resources:
        for container in containers(resource):
            where = f"{resource['kind']} {resource['metadata']['name']}/{container['name']}"
            limits = container["resources"]["limits"]
            requests = container["resources"]["requests"]
            assert {"cpu", "memory"} <= set(requests) & set(limits), where
            _, tag, digest = split_image(container["image"])
            assert tag or digest, where
            assert tag != "latest", where
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"], where
            if resource["kind"] == "Deployment":
                for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                    assert probe in container, f"{where}: no {probe}"
                assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
                assert container["lifecycle"]["preStop"], where  # drain before SIGTERM
    for _resource, template in pods(resources):
        spec = template["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert spec["automountServiceAccountToken"] is False
        assert any("emptyDir" in v for v in spec["volumes"] if v["name"] == "tmp")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_application_serves_with_probes_on_its_port(overlay: str) -> None:
    resources = render(overlay)
    for app, (port, _) in APPS.items():
        deployment = named(resources, "Deployment", app)
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["args"] == ["serve"]
        assert container["image"].split("/")[-1].startswith(f"{app}:")
        assert container["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        service = named(resources, "Service", app)
        assert service["spec"]["ports"][0]["port"] == port
    for app in WORKER_SERVICES:
        worker = named(resources, "Deployment", f"{app}-worker")
        (container,) = worker["spec"]["template"]["spec"]["containers"]
        assert container["args"][0] == "worker"
        health_port = container["args"][container["args"].index("--health-port") + 1]
        assert container["ports"][0]["containerPort"] == int(health_port)
        assert container["livenessProbe"]["httpGet"]["port"] == container["ports"][0]["name"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_selectors_autoscalers_budgets_and_services_point_at_real_pods(overlay: str) -> None:
    resources = render(overlay)
    deployments = {d["metadata"]["name"]: d for d in of_kind(resources, "Deployment")}
    for deployment in deployments.values():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selects(deployment["spec"]["selector"], labels)
    for hpa in of_kind(resources, "HorizontalPodAutoscaler"):
        target = hpa["spec"]["scaleTargetRef"]
        assert target["kind"] == "Deployment"
        assert target["name"] in deployments
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    assert {
        h["spec"]["scaleTargetRef"]["name"] for h in of_kind(resources, "HorizontalPodAutoscaler")
    } == set(deployments)
    for name, deployment in deployments.items():
        # the autoscaler owns the count: a fixed one would be reset by every apply
        assert "replicas" not in deployment["spec"], name
    budgets = of_kind(resources, "PodDisruptionBudget")
    for name, deployment in deployments.items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        covering = [b for b in budgets if selects(b["spec"]["selector"], labels)]
        assert len(covering) == 1, f"{name}: {len(covering)} budgets"
    for budget in budgets:
        assert any(
            selects(budget["spec"]["selector"], d["spec"]["template"]["metadata"]["labels"])
            for d in deployments.values()
        )
    for service in of_kind(resources, "Service"):
        matching = [
            d
            for d in deployments.values()
            if selects(
                {"matchLabels": service["spec"]["selector"]},
                d["spec"]["template"]["metadata"]["labels"],
            )
        ]
        assert len(matching) == 1, service["metadata"]["name"]
        ports = {p["name"] for c in containers(matching[0]) for p in c.get("ports", [])}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports
    ingress = named(resources, "Ingress", "gateway")
    internal = named(resources, "Ingress", "gateway-internal")
    assert [r["host"] for r in internal["spec"]["rules"]] == [
        r["host"] for r in ingress["spec"]["rules"]
    ]
    hidden = {p["path"] for r in internal["spec"]["rules"] for p in r["http"]["paths"]}
    assert hidden == {"/metrics", "/status"}
    assert internal["metadata"]["annotations"] == {
        "nginx.ingress.kubernetes.io/whitelist-source-range": "127.0.0.1/32"
    }
    for rule in ingress["spec"]["rules"] + internal["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            service = named(resources, "Service", backend["name"])
            assert backend["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}


# Configuration and secrets


def environment_of(
    resources: list[Resource], container: dict[str, Any], secrets: dict[str, dict[str, str]]
) -> dict[str, str]:
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env.update(named(resources, "ConfigMap", source["configMapRef"]["name"])["data"])
    for variable in container.get("env", []):
        if "value" in variable:
            env[variable["name"]] = variable["value"]
        else:
            ref = variable["valueFrom"]["secretKeyRef"]
            if ref.get("optional") and ref["key"] not in secrets[ref["name"]]:
                continue  # Kubernetes leaves the variable unset
            env[variable["name"]] = secrets[ref["name"]][ref["key"]]
    return env


def generated_secrets(resources: list[Resource]) -> dict[str, dict[str, str]]:
    """The secrets CloudNativePG generates (``<cluster>-app``), as the operator fills them."""
    namespace = of_kind(resources, "Namespace")[0]["metadata"]["name"]
    secrets: dict[str, dict[str, str]] = {}
    for cluster in of_kind(resources, "Cluster"):
        name, init = cluster["metadata"]["name"], cluster["spec"]["bootstrap"]["initdb"]
        user, database = init["owner"], init["database"]
        secrets[f"{name}-app"] = {
            "username": user,
            "password": "generated",
            "host": f"{name}-rw",
            "port": "5432",
            "dbname": database,
            "uri": f"postgresql://{user}:generated@{name}-rw.{namespace}:5432/{database}",
        }
    return secrets


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_secret_reference_resolves(overlay: str) -> None:
    resources = render(overlay)
    generated = generated_secrets(resources)
    declared = {s["metadata"]["name"]: s for s in of_kind(resources, "Secret")}
    external = {PLATFORM_SECRET, "sela-tls", "sela-backup-s3"}  # created by the operator
    for resource in resources:
        for container in containers(resource):
            for variable in container.get("env", []):
                ref = variable["valueFrom"]["secretKeyRef"]
                if ref.get("optional"):
                    # Only the rotation's second internal secret may be absent.
                    assert ref == {"name": PLATFORM_SECRET, "key": ROTATION_KEY, "optional": True}
                    continue
                if ref["name"] in generated:
                    assert ref["key"] in generated[ref["name"]]
                elif ref["name"] in declared:
                    assert ref["key"] in declared[ref["name"]]["stringData"]
                else:
                    assert ref["name"] in external, ref
    documented = (K8S.parents[1] / "docs" / "operations.md").read_text()
    for name in external:
        assert name in documented, f"the secret {name} is not described in docs/operations.md"
    if overlay == "dev":
        assert PLATFORM_SECRET in declared
    else:
        assert PLATFORM_SECRET not in declared  # never a production secret in the repository


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_get_valid_settings_for_their_own_database(
    overlay: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    resources = render(overlay)
    secrets = generated_secrets(resources)
    secrets[PLATFORM_SECRET] = {
        "internal-secret": "k8s-internal-secret-0123456789-0123456789",
        "token-secret": "k8s-token-secret-0123456789-0123456789-01",
    }
    classes = settings_classes()
    for resource in of_kind(resources, "Deployment") + of_kind(resources, "Job"):
        for container in containers(resource):
            app = container["image"].split("/")[-1].split(":")[0]
            for name in list(os.environ):
                if name.startswith("SELA_"):
                    monkeypatch.delenv(name)
            for name, value in environment_of(resources, container, secrets).items():
                monkeypatch.setenv(name, value)
            settings = classes[app]()
            url = make_url(settings.database_url or "")
            assert url.database == f"sela_{app}"
            assert url.host is not None
            assert url.host.startswith(f"sela-{app}-db-rw")
            assert settings.nats_url == "nats://nats:4222"
            assert settings.host == "0.0.0.0"
            assert settings.environment == ("development" if overlay == "dev" else "production")


# The only calls between services: development indicators for migration's correlations, and
# product-space proximities for the SME directory's partner matching.
SERVICE_CALLS = {("migration", "indices"), ("smes", "indices")}


def test_gateway_routes_to_every_service_by_its_kubernetes_name() -> None:
    resources = render("prod")
    config = named(resources, "ConfigMap", "sela-config")["data"]
    upstreams = json.loads(config["SELA_GATEWAY_UPSTREAMS"])
    for app, (port, _) in APPS.items():
        if app == "gateway":
            continue
        service = named(resources, "Service", app)
        assert upstreams[app]["url"] == f"http://{service['metadata']['name']}:{port}"
    assert config["SELA_MIGRATION_INDICES_URL"] == "http://indices:8001"
    assert config["SELA_SMES_INDICES_URL"] == "http://indices:8001"
    # jobs run in the worker Deployments
    assert config["SELA_INDICES_JOB_WORKERS"] == config["SELA_MIGRATION_JOB_WORKERS"] == "0"
    # the mail sender runs in its own pods, not in the events API pods
    assert config["SELA_EVENTS_CONSUMERS_IN_PROCESS"] == "false"
    (consumers,) = named(resources, "Deployment", "events-consumers")["spec"]["template"]["spec"][
        "containers"
    ]
    assert consumers["args"][0] == "consumers"
    assert consumers["image"].split("/")[-1].startswith("events:")
    missing = set(config) - documented_variables()
    assert not missing, f"not documented: {missing}"


def test_migrations_job_migrates_every_database_with_its_own_image() -> None:
    job = named(render("prod"), "Job", "sela-migrate")
    spec = job["spec"]["template"]["spec"]
    steps = spec["initContainers"] + spec["containers"]
    assert [c["args"] for c in steps] == [["migrate"]] * len(APPS)
    assert {c["image"].split("/")[-1].split(":")[0] for c in steps} == set(APPS)
    assert steps[-1]["image"].split("/")[-1].startswith("gateway:")
    assert spec["restartPolicy"] == "OnFailure"


# Data services


def test_each_application_has_its_own_postgresql_cluster() -> None:
    for overlay in OVERLAYS:
        resources = render(overlay)
        clusters = {c["metadata"]["name"]: c for c in of_kind(resources, "Cluster")}
        assert set(clusters) == {f"sela-{app}-db" for app in APPS}
        for app in APPS:
            init = clusters[f"sela-{app}-db"]["spec"]["bootstrap"]["initdb"]
            assert init["database"] == f"sela_{app}"
        for cluster in clusters.values():
            _, tag, _ = split_image(cluster["spec"]["imageName"])
            assert tag is not None
            assert re.fullmatch(r"16\.\d+", tag)  # PostgreSQL 16, a pinned minor release
        instances = {c["spec"]["instances"] for c in clusters.values()}
        assert instances == ({1} if overlay == "dev" else {3})
    prod = render("prod")
    clusters = {c["metadata"]["name"]: c for c in of_kind(prod, "Cluster")}
    backups = of_kind(prod, "ScheduledBackup")
    assert {b["spec"]["cluster"]["name"] for b in backups} == set(clusters)
    for cluster in clusters.values():
        assert cluster["spec"]["backup"]["barmanObjectStore"]["destinationPath"]


def test_nats_values_describe_a_three_node_jetstream_cluster() -> None:
    values = yaml.safe_load((K8S / "nats" / "values.yaml").read_text())
    config = values["config"]
    assert config["cluster"] == {"enabled": True, "replicas": 3}
    assert config["jetstream"]["enabled"] is True
    assert config["jetstream"]["fileStore"]["pvc"]["enabled"] is True
    tag = values["container"]["image"]["tag"]
    assert tag.split(".")[0] == "2"
    assert tag != "latest"
    assert values["natsBox"]["enabled"] is False
    header = (K8S / "nats" / "values.yaml").read_text()
    assert "helm upgrade --install nats nats/nats --version" in header  # release `nats`
    config_map = named(render("prod"), "ConfigMap", "sela-config")
    assert config_map["data"]["SELA_NATS_URL"] == "nats://nats:4222"


# Network policies

NATS_POD = {
    "app.kubernetes.io/name": "nats",
    "app.kubernetes.io/component": "nats",
    "app.kubernetes.io/instance": "nats",
}


def policies_for(resources: list[Resource], labels: dict[str, str]) -> list[Resource]:
    return [
        p for p in of_kind(resources, "NetworkPolicy") if selects(p["spec"]["podSelector"], labels)
    ]


def allows_egress(
    policies: list[Resource], peer_labels: dict[str, str], port: int, same_namespace: bool = True
) -> bool:
    for policy in policies:
        for rule in policy["spec"].get("egress", []):
            port_ok = "ports" not in rule or any(p["port"] == port for p in rule["ports"])
            peers = rule.get("to")
            peer_ok = peers is None or any(
                same_namespace
                and "namespaceSelector" not in peer
                and selects(peer.get("podSelector", {}), peer_labels)
                for peer in peers
            )
            if port_ok and peer_ok:
                return True
    return False


def allows_ingress(policies: list[Resource], peer_labels: dict[str, str], port: int) -> bool:
    for policy in policies:
        for rule in policy["spec"].get("ingress", []):
            port_ok = "ports" not in rule or any(p["port"] == port for p in rule["ports"])
            peer_ok = any(
                "namespaceSelector" not in peer
                and selects(peer.get("podSelector", {}), peer_labels)
                for peer in rule.get("from", [{}])
            )
            if port_ok and peer_ok:
                return True
    return False


def test_network_policies_deny_by_default_and_allow_only_the_platforms_flows() -> None:
    resources = render("prod")
    deny = named(resources, "NetworkPolicy", "default-deny")["spec"]
    assert deny == {
        "podSelector": {},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [],
        "egress": [],
    }
    # every pod of ours has a policy of its own, beyond the default deny
    for resource, template in pods(resources):
        labels = template["metadata"]["labels"]
        own = [p for p in policies_for(resources, labels) if p["spec"]["podSelector"]]
        assert own, f"{resource['metadata']['name']}: no policy of its own"
    db_pod = {"cnpg.io/cluster": "sela-{app}-db", "cnpg.io/podRole": "instance"}
    for resource, template in pods(resources):
        labels = template["metadata"]["labels"]
        policies = policies_for(resources, labels)
        for container in containers(resource):
            app = container["image"].split("/")[-1].split(":")[0]
            pod = {k: v.format(app=app) for k, v in db_pod.items()}
            assert allows_egress(policies, pod, 5432), f"{container['name']} -> its database"
            foreign = {k: v.format(app="foreign") for k, v in db_pod.items()}
            assert not allows_egress(policies, foreign, 5432)
            db_policies = policies_for(resources, pod)
            assert allows_ingress(db_policies, labels, 5432), f"database <- {container['name']}"
            if resource["kind"] == "Deployment":
                assert allows_egress(policies, NATS_POD, 4222), f"{container['name']} -> NATS"
                assert allows_ingress(policies_for(resources, NATS_POD), labels, 4222)
    gateway = named(resources, "Deployment", "gateway")["spec"]["template"]["metadata"]["labels"]
    for app, (port, _) in APPS.items():
        if app == "gateway":
            continue
        labels = named(resources, "Deployment", app)["spec"]["template"]["metadata"]["labels"]
        assert allows_egress(policies_for(resources, gateway), labels, port)
        assert allows_ingress(policies_for(resources, labels), gateway, port)
        # services do not call each other unless they need to
        for other, (other_port, _) in APPS.items():
            if other in ("gateway", app):
                continue
            target = named(resources, "Deployment", other)["spec"]["template"]["metadata"]
            allowed = allows_ingress(policies_for(resources, target["labels"]), labels, other_port)
            assert allowed == ((app, other) in SERVICE_CALLS)
    # the ingress controller reaches the gateway
    gateway_policy = named(resources, "NetworkPolicy", "gateway")["spec"]
    sources = [peer for rule in gateway_policy["ingress"] for peer in rule["from"]]
    assert any(
        peer.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name")
        == "ingress-nginx"
        for peer in sources
    )
    # DNS for every pod
    dns = named(resources, "NetworkPolicy", "allow-dns")["spec"]
    assert dns["podSelector"] == {}
    assert {p["port"] for p in dns["egress"][0]["ports"]} == {53}


# The renderer itself


def write(path: Path, *documents: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---\n".join(yaml.safe_dump(d) for d in documents))


def deployment(name: str, image: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": 2,
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "containers": [
                        {"name": "main", "image": image, "env": [{"name": "A", "value": "1"}]},
                        {"name": "side", "image": "busybox:1.36"},
                    ]
                },
            },
        },
    }


def test_renderer_applies_patches_images_replicas_labels_and_namespace(tmp_path: Path) -> None:
    write(tmp_path / "base/app.yaml", deployment("web", "sela/web:1.0"))
    write(
        tmp_path / "base/kustomization.yaml",
        {
            "resources": ["app.yaml"],
            "labels": [{"pairs": {"tier": "x"}, "includeTemplates": True}],
        },
    )
    write(
        tmp_path / "over/patch.yaml",
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "template": {
                    "spec": {"containers": [{"name": "main", "env": [{"name": "B", "value": "2"}]}]}
                }
            },
        },
    )
    write(
        tmp_path / "over/ns.yaml",
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}},
    )
    write(
        tmp_path / "over/kustomization.yaml",
        {
            "namespace": "n",
            "resources": ["../base", "ns.yaml"],
            "patches": [{"path": "patch.yaml"}],
            "replicas": [{"name": "web", "count": 5}],
            "images": [
                {"name": "sela/web", "newName": "reg:5000/sela/web", "digest": "sha256:ab12"}
            ],
        },
    )
    web, namespace = build(tmp_path / "over")
    assert "namespace" not in namespace["metadata"]
    assert web["metadata"]["namespace"] == "n"
    assert web["metadata"]["labels"] == {"tier": "x"}
    assert web["spec"]["template"]["metadata"]["labels"] == {"app": "web", "tier": "x"}
    assert web["spec"]["replicas"] == 5
    main, side = web["spec"]["template"]["spec"]["containers"]
    assert main["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    assert main["image"] == "reg:5000/sela/web@sha256:ab12"
    assert side["image"] == "busybox:1.36"


@pytest.mark.parametrize(
    ("kustomization", "message"),
    [
        ({"resources": ["app.yaml"], "configMapGenerator": []}, "not rendered offline"),
        ({"resources": ["missing.yaml"]}, "does not exist"),
        ({"resources": ["app.yaml", "app.yaml"]}, "declared twice"),
        ({"resources": ["app.yaml"], "replicas": [{"name": "nope", "count": 1}]}, "no such"),
        ({"resources": ["app.yaml"], "images": [{"name": "nope", "newTag": "2"}]}, "no container"),
        (
            {"resources": ["app.yaml"], "patches": [{"patch": "- op: remove\n  path: /spec"}]},
            "JSON 6902",
        ),
        (
            {
                "resources": ["app.yaml"],
                "patches": [{"patch": "kind: Service\napiVersion: v1\nmetadata: {name: web}"}],
            },
            "matches no resource",
        ),
    ],
)
def test_renderer_refuses_what_it_cannot_render_faithfully(
    tmp_path: Path, kustomization: dict[str, Any], message: str
) -> None:
    write(tmp_path / "app.yaml", deployment("web", "sela/web:1.0"))
    write(tmp_path / "kustomization.yaml", kustomization)
    with pytest.raises(KustomizeError, match=message):
        build(tmp_path)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_that_checks_identity_reads_the_rotation_secret_when_present(
    overlay: str,
) -> None:
    resources = render(overlay)
    platform = {"internal-secret": "x" * 40, "token-secret": "y" * 40}
    secrets = {**generated_secrets(resources), PLATFORM_SECRET: platform}
    rotating = {**secrets, PLATFORM_SECRET: {**platform, ROTATION_KEY: "z" * 40}}
    for resource in of_kind(resources, "Deployment"):
        for container in containers(resource):
            assert "SELA_INTERNAL_SECRET_ACCEPTED" not in environment_of(
                resources, container, secrets
            )
            env = environment_of(resources, container, rotating)
            assert env["SELA_INTERNAL_SECRET_ACCEPTED"] == "z" * 40, resource["metadata"]["name"]
