//! The `docker run` command line, in DESIGN.md's order ("Docker mode"):
//!
//! ```text
//! docker run -i --rm --init
//!   --label mcpproxy.managed=true --label mcpproxy.server=NAME --label mcpproxy.owner=PID
//!   --name mcpproxy-SANITIZED-RANDOM
//!   --memory MEM --cpus CPUS --network NET
//!   [--workdir DIR] [-v PATH:PATH[:ro] ...] [-e KEY ...]
//!   [global extra_args] [per-server extra_args]
//!   IMAGE COMMAND ARG...
//! ```
//!
//! Pure: every input is in `Spec`. Values of environment variables never appear here.

use super::owner::Owner;

pub const LABEL_MANAGED: &str = "mcpproxy.managed";
pub const LABEL_SERVER: &str = "mcpproxy.server";
pub const LABEL_OWNER: &str = "mcpproxy.owner";
/// mcpjail's additions, right after the documented three: enough for `cleanup` to tell a
/// live owner from a reused pid or a process on another machine.
pub const LABEL_OWNER_START: &str = "mcpproxy.owner_start";
pub const LABEL_OWNER_BOOT: &str = "mcpproxy.owner_boot";

/// Where the docker CLI reads the variables it must not see in its own environment
/// (`cli_reads`); the supervisor puts a pipe there.
pub const ENV_FILE_FD: i32 = 3;

/// mcpproxy's defaults for `memory_limit`, `cpu_limit` and `network_mode`.
pub const DEFAULT_MEMORY: u64 = 512 << 20;
pub const DEFAULT_CPUS: f64 = 1.0;
pub const DEFAULT_NETWORK: &str = "bridge";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Absolute host path, mounted at the same path inside.
    pub path: String,
    pub read_only: bool,
}

#[derive(Debug, Clone)]
pub struct Spec {
    /// `mcpproxy.server` label value (the server name, else the command's basename).
    pub server: String,
    pub name: String,
    pub owner: Owner,
    pub memory: u64,
    pub cpus: f64,
    pub network: String,
    pub workdir: Option<String>,
    pub mounts: Vec<Mount>,
    /// `-e KEY`: the value is in the docker CLI's environment.
    pub env_keys: Vec<String>,
    /// `--env-file /dev/fd/3` for variables the CLI itself reads (their values go in a pipe).
    pub env_file: bool,
    /// Global, then per-server `extra_args`, then `--docker-arg`.
    pub extra_args: Vec<String>,
    pub image: String,
    /// COMMAND as the container runs it, and its arguments.
    pub command: Vec<String>,
}

pub fn labels(spec: &Spec) -> Vec<(String, String)> {
    let mut out = vec![
        (LABEL_MANAGED.to_string(), "true".to_string()),
        (LABEL_SERVER.to_string(), spec.server.clone()),
        (LABEL_OWNER.to_string(), spec.owner.pid.to_string()),
    ];
    if let Some(start) = spec.owner.start {
        out.push((LABEL_OWNER_START.to_string(), start.to_string()));
    }
    if let Some(boot) = &spec.owner.boot {
        out.push((LABEL_OWNER_BOOT.to_string(), boot.clone()));
    }
    out
}

/// The full argv; `docker` is argv[0] (the resolved CLI).
pub fn build(docker: &str, spec: &Spec) -> Vec<String> {
    let mut a: Vec<String> = [docker, "run", "-i", "--rm", "--init"]
        .map(String::from)
        .to_vec();
    for (k, v) in labels(spec) {
        a.push("--label".into());
        a.push(format!("{k}={v}"));
    }
    a.extend(["--name".into(), spec.name.clone()]);
    a.extend(["--memory".into(), format_size(spec.memory)]);
    a.extend(["--cpus".into(), format_cpus(spec.cpus)]);
    a.extend(["--network".into(), spec.network.clone()]);
    if let Some(dir) = &spec.workdir {
        a.extend(["--workdir".into(), dir.clone()]);
    }
    for m in &spec.mounts {
        let suffix = if m.read_only { ":ro" } else { "" };
        a.extend(["-v".into(), format!("{0}:{0}{suffix}", m.path)]);
    }
    for key in &spec.env_keys {
        a.extend(["-e".into(), key.clone()]);
    }
    if spec.env_file {
        a.extend(["--env-file".into(), format!("/dev/fd/{ENV_FILE_FD}")]);
    }
    a.extend(spec.extra_args.iter().cloned());
    a.push(spec.image.clone());
    a.extend(spec.command.iter().cloned());
    a
}

/// Variables the docker CLI reads for itself. Passing a server's value for one of them through
/// the CLI's environment would change where or how the CLI talks to the engine (another
/// `DOCKER_HOST`, another `HOME` and so another config and context), so those go through
/// `--env-file` on a pipe instead.
pub fn cli_reads(key: &str) -> bool {
    const EXACT: &[&str] = &[
        "PATH",
        "HOME",
        "TMPDIR",
        "SSH_AUTH_SOCK",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "no_proxy",
        "all_proxy",
        "XDG_RUNTIME_DIR",
    ];
    EXACT.contains(&key)
        || ["DOCKER_", "BUILDKIT_", "BUILDX_", "NOTARY_", "COMPOSE_"]
            .iter()
            .any(|p| key.starts_with(p))
}

/// Docker container names are `[a-zA-Z0-9][a-zA-Z0-9_.-]*`. Same rules as mcpproxy's
/// `sanitizeServerNameForContainer`: runs of other characters become one `-`, a leading
/// non-alphanumeric gets `server-` in front, trailing `-`/`.` go, at most 200 characters.
pub fn sanitize(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out = collapse_dashes(&out);
    if !out.is_empty() && !out.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        out = collapse_dashes(&format!("server-{out}"));
    }
    let mut out = out.trim_end_matches(['-', '.']).to_string();
    if out.is_empty() {
        out = "server".into();
    }
    if out.len() > 200 {
        out.truncate(200);
        out = out.trim_end_matches(['-', '.']).to_string();
    }
    out
}

fn collapse_dashes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out
}

/// `mcpproxy-SANITIZED-RANDOM`.
pub fn container_name(server: &str) -> String {
    format!("mcpproxy-{}-{}", sanitize(server), random_suffix())
}

/// Eight characters of [a-z0-9] from the kernel's random source (mcpproxy uses four; two
/// mcpjails starting the same server must not collide).
fn random_suffix() -> String {
    const CHARSET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut buf = [0u8; 8];
    // SAFETY: writes at most buf.len() bytes into buf.
    #[cfg(target_os = "linux")]
    let n = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) };
    // SAFETY: fills buf; arc4random_buf cannot fail (macOS, the BSDs).
    #[cfg(not(target_os = "linux"))]
    let n = unsafe {
        libc::arc4random_buf(buf.as_mut_ptr().cast(), buf.len());
        buf.len() as isize
    };
    if n != buf.len() as isize {
        // getrandom only fails on ancient kernels; the name must still be unique enough.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let mix = (t.as_nanos() as u64) ^ (u64::from(std::process::id()) << 32);
        buf = mix.to_le_bytes();
    }
    // 256 % 36 != 0, so a plain modulo is slightly biased; it only needs to be unpredictable.
    buf.iter()
        .map(|b| CHARSET[*b as usize % CHARSET.len()] as char)
        .collect()
}

/// Bytes as docker writes them: the largest binary unit that divides exactly.
pub fn format_size(bytes: u64) -> String {
    for (shift, unit) in [(30, "g"), (20, "m"), (10, "k")] {
        if bytes >= 1 << shift && bytes.is_multiple_of(1 << shift) {
            return format!("{}{unit}", bytes >> shift);
        }
    }
    bytes.to_string()
}

/// `1.0`, `0.5`, `2.0`: as mcpproxy's `cpu_limit` is written.
pub fn format_cpus(n: f64) -> String {
    if n.fract() == 0.0 {
        format!("{n:.1}")
    } else {
        format!("{n}")
    }
}

/// Docker-in-docker prevention: the command is the docker CLI itself and runs as given, with
/// the managed label and the configured `-e KEY`s added right after `run` (or `container
/// run`). `None` when the command is not a `run` (then it is left exactly as given).
pub fn dind(argv: &[String], env_keys: &[String]) -> Option<Vec<String>> {
    /// Global options of the docker CLI that take a separate value.
    const WITH_VALUE: &[&str] = &[
        "-c",
        "--context",
        "--config",
        "-H",
        "--host",
        "-l",
        "--log-level",
        "--tlscacert",
        "--tlscert",
        "--tlskey",
    ];
    let mut i = 1;
    while i < argv.len() && argv[i].starts_with('-') {
        i += if WITH_VALUE.contains(&argv[i].as_str()) {
            2
        } else {
            1
        };
    }
    let at = match (
        argv.get(i).map(String::as_str),
        argv.get(i + 1).map(String::as_str),
    ) {
        (Some("run"), _) => i + 1,
        (Some("container"), Some("run")) => i + 2,
        _ => return None,
    };
    let mut insert = vec!["--label".to_string(), format!("{LABEL_MANAGED}=true")];
    for key in env_keys {
        insert.extend(["-e".to_string(), key.clone()]);
    }
    let mut out = argv[..at].to_vec();
    out.extend(insert);
    out.extend(argv[at..].iter().cloned());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn spec() -> Spec {
        Spec {
            server: "git".into(),
            name: "mcpproxy-git-abcd1234".into(),
            owner: Owner {
                pid: 42,
                start: Some(777),
                boot: Some("b00t".into()),
            },
            memory: DEFAULT_MEMORY,
            cpus: DEFAULT_CPUS,
            network: DEFAULT_NETWORK.into(),
            workdir: None,
            mounts: vec![],
            env_keys: vec![],
            env_file: false,
            extra_args: vec![],
            image: "python:3.11".into(),
            command: strings(&["python3", "-m", "mcp_server_git"]),
        }
    }

    #[test]
    fn minimal_argv_in_order() {
        let got = build("/usr/bin/docker", &spec());
        #[rustfmt::skip]
        let want = strings(&[
            "/usr/bin/docker", "run", "-i", "--rm", "--init",
            "--label", "mcpproxy.managed=true", "--label", "mcpproxy.server=git", "--label", "mcpproxy.owner=42",
            "--label", "mcpproxy.owner_start=777", "--label", "mcpproxy.owner_boot=b00t",
            "--name", "mcpproxy-git-abcd1234",
            "--memory", "512m", "--cpus", "1.0", "--network", "bridge",
            "python:3.11", "python3", "-m", "mcp_server_git",
        ]);
        assert_eq!(got, want);
    }

    #[test]
    fn full_argv_in_order() {
        let mut s = spec();
        s.memory = 1 << 30;
        s.cpus = 0.5;
        s.network = "none".into();
        s.workdir = Some("/app".into());
        s.mounts = vec![
            Mount {
                path: "/data/ro".into(),
                read_only: true,
            },
            Mount {
                path: "/data/rw".into(),
                read_only: false,
            },
        ];
        s.env_keys = strings(&["API_KEY", "DEBUG"]);
        s.env_file = true;
        s.extra_args = strings(&["--cap-drop=ALL", "--read-only", "--pids-limit", "64"]);
        s.owner = Owner {
            pid: 7,
            start: None,
            boot: None,
        };
        let got = build("docker", &s);
        #[rustfmt::skip]
        let want = strings(&[
            "docker", "run", "-i", "--rm", "--init",
            "--label", "mcpproxy.managed=true", "--label", "mcpproxy.server=git", "--label", "mcpproxy.owner=7",
            "--name", "mcpproxy-git-abcd1234",
            "--memory", "1g", "--cpus", "0.5", "--network", "none",
            "--workdir", "/app",
            "-v", "/data/ro:/data/ro:ro", "-v", "/data/rw:/data/rw",
            "-e", "API_KEY", "-e", "DEBUG", "--env-file", "/dev/fd/3",
            "--cap-drop=ALL", "--read-only", "--pids-limit", "64",
            "python:3.11", "python3", "-m", "mcp_server_git",
        ]);
        assert_eq!(got, want);
    }

    #[test]
    fn sizes_and_cpus() {
        #[rustfmt::skip]
        let sizes: &[(u64, &str)] = &[
            (512 << 20, "512m"), (1 << 30, "1g"), (1536 << 20, "1536m"), (1024, "1k"),
            (1000, "1000"), (3 << 30, "3g"), (1, "1"),
        ];
        for (bytes, want) in sizes {
            assert_eq!(format_size(*bytes), *want);
        }
        assert_eq!(format_cpus(1.0), "1.0");
        assert_eq!(format_cpus(2.0), "2.0");
        assert_eq!(format_cpus(0.5), "0.5");
        assert_eq!(format_cpus(1.25), "1.25");
    }

    #[test]
    fn name_sanitising() {
        #[rustfmt::skip]
        let table: &[(&str, &str)] = &[
            ("git", "git"),
            ("my server", "my-server"),
            ("a/b:c", "a-b-c"),
            ("a  //  b", "a-b"),
            ("a--b", "a-b"),
            ("_private", "server-_private"),
            ("-dash", "server-dash"),
            (".dot", "server-.dot"),
            ("trailing-.", "trailing"),
            ("", "server"),
            ("???", "server"),
            ("Ünïcode ok", "server-n-code-ok"),
            ("v1.2_beta", "v1.2_beta"),
        ];
        for (name, want) in table {
            assert_eq!(sanitize(name), *want, "{name:?}");
        }
        let long = "x".repeat(300);
        assert_eq!(sanitize(&long).len(), 200);
        let long = format!("{}-{}", "y".repeat(199), "z");
        assert_eq!(sanitize(&long), "y".repeat(199));
    }

    #[test]
    fn container_names_are_unique_and_valid() {
        let a = container_name("my server");
        let b = container_name("my server");
        assert_ne!(a, b);
        assert!(a.starts_with("mcpproxy-my-server-"), "{a}");
        let suffix = a.rsplit('-').next().unwrap();
        assert_eq!(suffix.len(), 8);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        );
    }

    #[test]
    fn variables_the_cli_reads() {
        for k in [
            "DOCKER_HOST",
            "DOCKER_CONFIG",
            "HOME",
            "PATH",
            "https_proxy",
            "BUILDKIT_PROGRESS",
        ] {
            assert!(cli_reads(k), "{k}");
        }
        for k in ["API_KEY", "GITHUB_TOKEN", "DEBUG", "DOCKERFILE"] {
            assert!(!cli_reads(k), "{k}");
        }
    }

    #[test]
    fn docker_in_docker() {
        let keys = strings(&["TOKEN", "DEBUG"]);
        #[rustfmt::skip]
        let table: &[(&[&str], Option<&[&str]>)] = &[
            (&["docker", "run", "-i", "--rm", "mcp/x"],
             Some(&["docker", "run", "--label", "mcpproxy.managed=true", "-e", "TOKEN", "-e", "DEBUG", "-i", "--rm", "mcp/x"])),
            (&["/usr/bin/docker", "--context", "remote", "-D", "run", "img"],
             Some(&["/usr/bin/docker", "--context", "remote", "-D", "run", "--label", "mcpproxy.managed=true", "-e", "TOKEN", "-e", "DEBUG", "img"])),
            (&["docker", "--host=unix:///x", "container", "run", "img"],
             Some(&["docker", "--host=unix:///x", "container", "run", "--label", "mcpproxy.managed=true", "-e", "TOKEN", "-e", "DEBUG", "img"])),
            (&["docker", "mcp", "gateway", "run"], None),
            (&["docker", "exec", "-i", "c", "run"], None),
            (&["docker"], None),
        ];
        for (argv, want) in table {
            let got = dind(&strings(argv), &keys);
            assert_eq!(got, want.map(strings), "{argv:?}");
        }
        let got = dind(&strings(&["docker", "run", "img"]), &[]).unwrap();
        assert_eq!(
            got,
            strings(&["docker", "run", "--label", "mcpproxy.managed=true", "img"])
        );
    }
}
