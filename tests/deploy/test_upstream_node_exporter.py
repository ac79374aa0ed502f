"""node-exporter against its upstream image (issue 20, checks item 3).

Read in prometheus/node_exporter at tag v1.9.1 (f2ec547b49af53815038a50265aa2adcd1275959):
- Dockerfile: busybox, `USER nobody` (a name: with runAsNonRoot the kubelet needs a numeric runAsUser),
  ENTRYPOINT `/bin/node_exporter`, listening on :9100 (EXPOSE; the exporter-toolkit default);
- collector/paths.go: `--path.procfs`, `--path.sysfs`, `--path.rootfs`, `--path.udev.data`: without the host's
  PID and network namespaces, the node's /proc, /sys and / are read where these flags point;
- collector/filesystem_common.go: the filesystem collector's flags; `mount-points-exclude` and
  `mount-points-include` (likewise the fs-types pair) are mutually exclusive, else it exits at start.
It writes nothing.
"""

from upstream_images import (
    app_container,
    arg_value,
    container_ports,
    flag_names,
    image_problems,
    mount_for,
    probe_endpoints,
)

IMAGE = "quay.io/prometheus/node-exporter:v1.9.1"
PATH_FLAGS = {"path.procfs": "/proc", "path.sysfs": "/sys", "path.rootfs": "/", "path.udev.data": "/run/udev/data"}
FILESYSTEM_FLAGS = {f"collector.filesystem.{f}" for f in ("mount-points-exclude", "mount-points-include")}
FILESYSTEM_FLAGS |= {f"collector.filesystem.{f}" for f in ("fs-types-exclude", "fs-types-include")}


def test_the_pinned_image_and_its_user(docs):
    assert image_problems(docs, "node-exporter", IMAGE, "nobody") == []


def test_the_flags_exist_and_exclusive_ones_are_not_combined(docs):
    _, app = app_container(docs, "node-exporter")
    flags = flag_names(app["args"])
    assert [f for f in flags if f not in set(PATH_FLAGS) | FILESYSTEM_FLAGS] == []
    for kind in ("mount-points", "fs-types"):
        assert not {f"collector.filesystem.{kind}-exclude", f"collector.filesystem.{kind}-include"} <= set(flags)


def test_each_path_flag_points_at_the_nodes_directory(docs):
    spec, app = app_container(docs, "node-exporter")
    host_paths = {}
    for flag in ("path.procfs", "path.sysfs", "path.rootfs"):
        mount = mount_for(spec, app, arg_value(app["args"], flag))
        assert mount["mountPath"] == arg_value(app["args"], flag) and mount["readOnly"] is True
        (volume,) = [v for v in spec["volumes"] if v["name"] == mount["name"]]
        host_paths[flag] = volume["hostPath"]["path"]
    assert host_paths == {flag: PATH_FLAGS[flag] for flag in host_paths}


def test_the_probes_reach_its_port(docs):
    _, app = app_container(docs, "node-exporter")
    assert container_ports(app) == {"metrics": 9100}
    assert probe_endpoints(app) == {("/", 9100)}
