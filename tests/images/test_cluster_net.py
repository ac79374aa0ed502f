"""What the smoke's network gives a pod besides its own spec: Service variables and cluster DNS names
(retail_dev.images.cluster_net). The variables follow kubernetes/kubernetes pkg/kubelet/envvars/envvars.go."""

from retail_dev.images.cluster_net import ClusterNetwork, service_links


def network() -> ClusterNetwork:
    net = ClusterNetwork(engine=None, name="retail-smoke-test")
    services = {
        ("retail-app", "inventory-grpc"): ("10.0.0.5", [{"name": "grpc", "port": 50051, "targetPort": "grpc"}]),
        ("retail-app", "users"): ("10.0.0.6", [{"name": "http", "port": 80, "targetPort": "http"}]),
        ("retail-data", "postgres"): ("10.0.0.7", [{"name": "postgres", "port": 5432}]),
        ("default", "kubernetes"): ("10.0.0.8", [{"name": "https", "port": 80}]),
    }
    for key, (ip, ports) in services.items():
        net.cluster_ips[key], net.ports[key] = ip, ports
    return net


def test_one_service_s_variables_as_the_kubelet_names_them():
    assert service_links("inventory-grpc", "10.0.0.5", [{"name": "grpc", "port": 50051}]) == {
        "INVENTORY_GRPC_SERVICE_HOST": "10.0.0.5",
        "INVENTORY_GRPC_SERVICE_PORT": "50051",
        "INVENTORY_GRPC_SERVICE_PORT_GRPC": "50051",
        "INVENTORY_GRPC_PORT": "tcp://10.0.0.5:50051",
        "INVENTORY_GRPC_PORT_50051_TCP": "tcp://10.0.0.5:50051",
        "INVENTORY_GRPC_PORT_50051_TCP_PROTO": "tcp",
        "INVENTORY_GRPC_PORT_50051_TCP_PORT": "50051",
        "INVENTORY_GRPC_PORT_50051_TCP_ADDR": "10.0.0.5",
    }


def test_a_pod_gets_the_variables_of_its_namespace_and_of_kubernetes_only():
    env = network().service_env("retail-app")
    hosts = {k: v for k, v in env.items() if k.endswith("_SERVICE_HOST")}
    assert hosts == {
        "INVENTORY_GRPC_SERVICE_HOST": "10.0.0.5",
        "USERS_SERVICE_HOST": "10.0.0.6",
        "KUBERNETES_SERVICE_HOST": "10.0.0.8",
    }
    assert env["USERS_PORT"] == "tcp://10.0.0.6:80"


def test_cluster_dns_names_short_ones_only_in_the_pod_s_namespace():
    hosts = network().hosts("retail-data")
    names = {hosts[i + 1] for i in range(0, len(hosts), 2)}
    assert "postgres:10.0.0.7" in names and "postgres.retail-data.svc.cluster.local:10.0.0.7" in names
    assert "users:10.0.0.6" not in names
    assert {"users.retail-app:10.0.0.6", "users.retail-app.svc:10.0.0.6"} <= names
    assert "users.retail-app.svc.cluster.local:10.0.0.6" in names
