//! `mcpjail doctor` on this machine: what it reports must match what the host really has, with
//! and without a docker engine, and it must not hang when no engine answers.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

fn doctor(cmd: Command) -> (Value, Output, Duration) {
    let start = Instant::now();
    let out = run(cmd);
    let took = start.elapsed();
    assert_eq!(
        out.status.code(),
        Some(0),
        "doctor failed: {}",
        stderr(&out)
    );
    (json(&out), out, took)
}

fn doctor_json() -> Command {
    mcpjail(["doctor", "--json"])
}

fn sh(script: &str) -> Option<String> {
    let out = Command::new("sh").args(["-c", script]).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[test]
fn reports_this_host() {
    let (r, _, _) = doctor(doctor_json());
    assert_eq!(
        r["kernel"]["release"].as_str(),
        sh("uname -r").as_deref(),
        "{r:#}"
    );
    let uid: u32 = sh("id -u").unwrap().parse().unwrap();
    assert_eq!(r["user"]["uid"], uid);
    assert_eq!(r["user"]["root"], uid == 0);

    // Landlock: an ABI version, or the reason there is none; every level marked against it.
    let landlock = &r["landlock"];
    let abi = landlock["abi"].as_i64();
    assert!(
        abi.is_some() != landlock["error"].is_string(),
        "{landlock:#}"
    );
    let features = landlock["features"].as_array().unwrap();
    assert!(features.len() >= 7, "ABI 1 to 7 at least: {features:#?}");
    for f in features {
        assert_eq!(
            f["available"],
            f["abi"].as_i64().unwrap() <= abi.unwrap_or(0),
            "{f}"
        );
        assert!(f["meaning"].is_string() && f["without"].is_string(), "{f}");
    }
    let sandbox = &r["modes"]["sandbox"];
    let want = match abi {
        None => "unavailable",
        Some(v) if v < 6 => "degraded",
        Some(_) if r["seccomp"]["filter"] != true => "degraded",
        Some(_) => "available",
    };
    assert_eq!(sandbox["verdict"], want, "{sandbox:#}");

    // seccomp as /proc tells it.
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    assert_eq!(
        r["seccomp"]["available"],
        status.contains("\nSeccomp:"),
        "{:#}",
        r["seccomp"]
    );

    // cgroup v2 exactly when the unified hierarchy is mounted at /sys/fs/cgroup.
    let v2 = std::path::Path::new("/sys/fs/cgroup/cgroup.controllers").exists();
    assert_eq!(r["cgroup"]["version"] == 2, v2, "{:#}", r["cgroup"]);

    assert_eq!(r["modes"]["none"]["verdict"], "available");
    for mode in ["docker", "sandbox", "none"] {
        let v = r["modes"][mode]["verdict"].as_str().unwrap();
        assert!(
            ["available", "degraded", "unavailable"].contains(&v),
            "{mode}: {v}"
        );
        // A verdict other than available always says what is missing.
        assert_eq!(
            v == "available",
            r["modes"][mode]["missing"].as_array().unwrap().is_empty(),
            "{mode}"
        );
    }
}

#[test]
fn text_report_covers_every_topic() {
    let out = run(mcpjail(["doctor"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for topic in [
        "kernel ",
        "user ",
        "landlock ",
        "seccomp ",
        "docker CLI ",
        "snap/AppArmor ",
        "cgroup ",
        "mode docker ",
        "mode sandbox ",
        "mode none ",
    ] {
        assert!(text.contains(topic), "no {topic:?} in:\n{text}");
    }
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}

/// A docker engine for the test: the one running, else one started by tests/peers/dockerd.sh.
/// None when this host has no docker CLI at all.
fn engine_version() -> Option<String> {
    sh("command -v docker")?;
    common::engine_shared();
    let version = || sh("docker version --format '{{.Server.Version}}'").filter(|v| !v.is_empty());
    if let Some(v) = version() {
        return Some(v);
    }
    let script = repo().join("tests/peers/dockerd.sh");
    let started = Command::new(&script)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        started,
        "no docker engine answers and {} could not start one",
        script.display()
    );
    Some(version().expect("dockerd.sh succeeded but docker version fails"))
}

#[test]
fn with_a_docker_engine() {
    let Some(version) = engine_version() else {
        eprintln!("no docker CLI on this host; the with-engine check cannot run");
        return;
    };
    let mut cmd = doctor_json();
    cmd.env_remove("DOCKER_HOST");
    let (r, _, _) = doctor(cmd);
    let d = &r["docker"];
    assert_eq!(d["reachable"], true, "{d:#}");
    assert_eq!(d["version"].as_str(), Some(version.as_str()));
    assert_eq!(d["code"], Value::Null);
    let want = if d["snap"] == true && d["apparmor"] == true {
        "degraded"
    } else {
        "available"
    };
    assert_eq!(
        r["modes"]["docker"]["verdict"], want,
        "{:#}",
        r["modes"]["docker"]
    );

    let mut text = mcpjail(["doctor"]);
    text.env_remove("DOCKER_HOST");
    let text = stdout(&run(text));
    assert!(text.contains(&format!("version {version}")), "{text}");
}

#[test]
fn without_a_docker_engine() {
    let mut cmd = doctor_json();
    cmd.env("DOCKER_HOST", "unix:///nonexistent.sock");
    let (r, _, took) = doctor(cmd);
    assert!(took < Duration::from_secs(10), "doctor took {took:?}");
    let d = &r["docker"];
    if d["cli"].is_null() {
        assert_eq!(d["code"], "MCPX_DOCKER_CLI_NOT_FOUND");
    } else {
        assert_eq!(d["reachable"], false, "{d:#}");
        assert_eq!(d["code"], "MCPX_DOCKER_DAEMON_DOWN", "{d:#}");
        assert_eq!(d["host"], "unix:///nonexistent.sock");
    }
    let verdict = &r["modes"]["docker"];
    assert_eq!(verdict["verdict"], "unavailable");
    assert!(
        verdict["missing"][0]
            .as_str()
            .unwrap()
            .contains("MCPX_DOCKER_"),
        "{verdict:#}"
    );
    // The other modes do not depend on docker.
    assert_eq!(r["modes"]["none"]["verdict"], "available");

    let mut text = mcpjail(["doctor"]);
    text.env("DOCKER_HOST", "unix:///nonexistent.sock");
    let out = run(text);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.contains("mode docker    unavailable"), "{text}");
}

#[test]
fn without_a_docker_cli() {
    let dir = TempDir::new("doctor-nocli");
    let mut cmd = doctor_json();
    cmd.env("PATH", dir.path());
    let (r, _, _) = doctor(cmd);
    assert_eq!(r["docker"]["cli"], Value::Null);
    assert_eq!(r["docker"]["code"], "MCPX_DOCKER_CLI_NOT_FOUND");
    assert_eq!(r["modes"]["docker"]["verdict"], "unavailable");
}

/// A stand-in docker CLI: `docker version` and `docker info` run `script`.
fn fake_docker(dir: &TempDir, script: &str) -> Command {
    let path = dir.write("docker", &format!("#!/bin/sh\n{script}\n"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut cmd = doctor_json();
    cmd.env("PATH", format!("{}:/usr/bin:/bin", dir.path().display()));
    cmd
}

#[test]
fn a_daemon_that_never_answers_does_not_hang_doctor() {
    let dir = TempDir::new("doctor-hang");
    let (r, _, took) = doctor(fake_docker(&dir, "exec sleep 60"));
    assert!(took < Duration::from_secs(10), "doctor took {took:?}");
    assert_eq!(r["docker"]["reachable"], false);
    assert_eq!(r["docker"]["code"], "MCPX_DOCKER_DAEMON_DOWN");
    assert!(
        r["docker"]["error"]
            .as_str()
            .unwrap()
            .contains("did not answer"),
        "{:#}",
        r["docker"]
    );
}

#[test]
fn permission_denied_is_named() {
    let dir = TempDir::new("doctor-perm");
    let script = "echo 'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock' >&2; exit 1";
    let (r, _, _) = doctor(fake_docker(&dir, script));
    assert_eq!(r["docker"]["code"], "MCPX_DOCKER_NO_PERMISSION");
    assert!(
        r["modes"]["docker"]["missing"][0]
            .as_str()
            .unwrap()
            .contains("MCPX_DOCKER_NO_PERMISSION")
    );
}

#[test]
fn engine_details_come_from_docker_info() {
    let dir = TempDir::new("doctor-info");
    let script = r#"case "$1" in
version) echo 24.0.7 ;;
info) echo '{"DockerRootDir": "/var/snap/docker/common/var-lib-docker", "MemoryLimit": false, "CpuCfsQuota": true, "CgroupVersion": "2", "SecurityOptions": ["name=seccomp,profile=builtin", "name=rootless"]}' ;;
esac"#;
    let (r, _, _) = doctor(fake_docker(&dir, script));
    let d = &r["docker"];
    assert_eq!(d["version"], "24.0.7");
    assert_eq!(
        d["snap"], true,
        "a data root under /var/snap/docker/ is snap's docker"
    );
    assert_eq!(d["rootless"], true);
    let verdict = &r["modes"]["docker"];
    assert_eq!(verdict["verdict"], "degraded", "{verdict:#}");
    assert!(
        verdict["missing"].to_string().contains("--memory"),
        "{verdict:#}"
    );
    let apparmor = std::fs::read_to_string("/sys/module/apparmor/parameters/enabled")
        .is_ok_and(|s| s.trim() == "Y");
    assert_eq!(
        verdict["missing"]
            .to_string()
            .contains("MCPX_DOCKER_SNAP_APPARMOR"),
        apparmor,
        "{verdict:#}"
    );
}

#[test]
fn bad_input() {
    assert_error(
        &run(mcpjail(["doctor", "extra"])),
        125,
        "unexpected argument 'extra' for doctor",
    );
    assert_error(
        &run(mcpjail(["doctor", "--rw", "/"])),
        125,
        "--rw is not an option of doctor",
    );
    assert_error(
        &run(mcpjail(["doctor", "--json", "--json"])),
        125,
        "--json given more than once",
    );
}
