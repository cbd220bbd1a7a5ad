//! Sandbox mode with real MCP peers: the official Python SDK client (tests/peers/mcp_client.py)
//! drives real servers from npm and PyPI through `mcpjail --mode sandbox`. The servers' own
//! access checks allow what the tests attempt; the refusals come from the kernel (EACCES).
//! The peers are installed by tests/peers/setup.sh (`make test` runs it).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use serde_json::{Value, json};

struct Peers {
    python: PathBuf,
    client: PathBuf,
    fs_server: PathBuf,
    git_server: PathBuf,
}

fn peers() -> Peers {
    let root = repo();
    let p = Peers {
        python: root.join("target/peers/venv/bin/python"),
        client: root.join("tests/peers/mcp_client.py"),
        fs_server: root.join(
            "target/peers/node/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js",
        ),
        git_server: root.join("target/peers/venv/bin/mcp-server-git"),
    };
    for path in [&p.python, &p.fs_server, &p.git_server] {
        assert!(
            path.exists(),
            "{} is missing: run tests/peers/setup.sh (make test does)",
            path.display()
        );
    }
    p
}

/// One MCP session: `mcp_client.py --call TOOL ARGS… -- SERVER…`; returns the client's JSON.
/// `--strict-stdout` makes the client fail if anything but JSON-RPC reached its stdout.
fn session(home: &Path, calls: &[(&str, Value)], server: &[&str]) -> (Value, Output) {
    let p = peers();
    let mut c = Command::new(&p.python);
    c.arg(&p.client)
        .args(["--strict-stdout", "--timeout", "60"]);
    for (tool, args) in calls {
        c.args(["--call", tool, &args.to_string()]);
    }
    c.arg("--").args(server).env("HOME", home);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("MCPJAIL_") {
            c.env_remove(k);
        }
    }
    let o = c.output().expect("run the MCP client");
    assert_eq!(
        o.status.code(),
        Some(0),
        "MCP session failed: {}",
        stderr(&o)
    );
    (json(&o), o)
}

#[track_caller]
fn call<'a>(result: &'a Value, i: usize, tool: &str) -> (&'a Value, &'a str) {
    let c = &result["calls"][i];
    assert_eq!(c["tool"], tool, "{result}");
    (&c["is_error"], c["text"].as_str().unwrap_or_default())
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn filesystem_server_writes_only_inside_rw() {
    let p = peers();
    let home = TempDir::new("mcp-home");
    // The server's allowed root holds both directories; only `inside` is --rw.
    let root = TempDir::new("mcp-fs");
    let inside = root.join("inside");
    let outside = root.join("outside");
    std::fs::create_dir(&inside).unwrap();
    std::fs::create_dir(&outside).unwrap();
    let existing = outside.join("existing.txt");
    std::fs::write(&existing, "original\n").unwrap();

    let mcpjail = bin();
    let fs = s(&p.fs_server);
    let calls = |tag: &str| {
        vec![
            (
                "write_file",
                json!({"path": inside.join(format!("{tag}.txt")), "content": "inside"}),
            ),
            (
                "write_file",
                json!({"path": outside.join(format!("{tag}.txt")), "content": "escaped"}),
            ),
            (
                "create_directory",
                json!({"path": outside.join(format!("{tag}-dir"))}),
            ),
            ("read_text_file", json!({"path": existing})),
        ]
    };

    // control: unconfined, the server's own checks allow all of it
    let (r, _) = session(
        home.path(),
        &calls("control"),
        &[mcpjail, "--mode", "none", "--", "node", fs, s(root.path())],
    );
    for (i, tool) in ["write_file", "write_file", "create_directory"]
        .iter()
        .enumerate()
    {
        assert_eq!(call(&r, i, tool).0, false, "control: {r}");
    }
    assert_eq!(
        std::fs::read_to_string(outside.join("control.txt")).unwrap(),
        "escaped"
    );

    let sandbox = [
        mcpjail,
        "--mode",
        "sandbox",
        "--rw",
        s(&inside),
        "--",
        "node",
        fs,
        s(root.path()),
    ];
    let mut c = calls("boxed");
    c.push((
        "write_file",
        json!({"path": existing, "content": "overwritten"}),
    ));
    c.push((
        "edit_file",
        json!({"path": existing, "edits": [{"oldText": "original", "newText": "edited"}]}),
    ));
    c.push((
        "move_file",
        json!({"source": inside.join("boxed.txt"), "destination": outside.join("moved.txt")}),
    ));
    let (r, o) = session(home.path(), &c, &sandbox);

    let (err, text) = call(&r, 0, "write_file");
    assert_eq!(
        (err, text.starts_with("Successfully wrote")),
        (&json!(false), true),
        "{r}"
    );
    assert_eq!(
        std::fs::read_to_string(inside.join("boxed.txt")).unwrap(),
        "inside"
    );
    for (i, tool) in [
        (1, "write_file"),
        (2, "create_directory"),
        (4, "write_file"),
        (5, "edit_file"),
        (6, "move_file"),
    ] {
        let (err, text) = call(&r, i, tool);
        assert_eq!(err, true, "call {i} {tool} was not refused: {r}");
        assert!(
            text.starts_with("EACCES: permission denied"),
            "call {i} {tool}: not the kernel's refusal: {text}"
        );
    }
    // reading outside the writable directory still works
    assert_eq!(call(&r, 3, "read_text_file"), (&json!(false), "original\n"));
    // …and nothing outside changed
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "original\n");
    let mut left: Vec<String> = std::fs::read_dir(&outside)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["control-dir", "control.txt", "existing.txt"]);
    assert!(inside.join("boxed.txt").exists(), "the move out happened");
    // mcpjail said nothing (everything asked is enforced) and wrote nothing to stdout
    assert!(!stderr(&o).contains("mcpjail:"), "{}", stderr(&o));
    assert_eq!(r["stdout_errors"], json!([]));
}

fn git(repo: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args([
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[test]
fn git_server_commits_with_rw_and_cannot_with_ro() {
    let p = peers();
    let home = TempDir::new("mcp-home");
    let dir = TempDir::new("mcp-git");
    let repo = dir.join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    git(&repo, &["commit", "-q", "--allow-empty", "-m", "init"]);
    std::fs::write(repo.join("a.txt"), "a\n").unwrap();
    std::fs::write(repo.join("b.txt"), "b\n").unwrap();
    git(&repo, &["add", "b.txt"]);
    let head = git(&repo, &["rev-parse", "HEAD"]);

    let server = |flag: &'static str| {
        vec![
            bin().to_string(),
            "--mode".into(),
            "sandbox".into(),
            flag.into(),
            s(&repo).into(),
            "--".into(),
            s(&p.git_server).into(),
            "--repository".into(),
            s(&repo).into(),
        ]
    };
    let calls = [
        ("git_add", json!({"repo_path": repo, "files": ["a.txt"]})),
        (
            "git_commit",
            json!({"repo_path": repo, "message": "from the sandbox"}),
        ),
    ];

    // --ro: the server can read the repository but not change it
    let argv = server("--ro");
    let (r, _) = session(
        home.path(),
        &calls,
        &argv.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let (err, text) = call(&r, 0, "git_add");
    assert_eq!(err, true, "{r}");
    assert!(text.contains("index.lock': Permission denied"), "{text}");
    // b.txt was staged outside: the commit itself is refused too
    let (err, text) = call(&r, 1, "git_commit");
    assert_eq!(err, true, "{r}");
    assert!(text.to_lowercase().contains("permission denied"), "{text}");
    assert_eq!(git(&repo, &["rev-parse", "HEAD"]), head);
    assert_eq!(git(&repo, &["diff", "--cached", "--name-only"]), "b.txt");

    // --rw: the same calls commit
    let argv = server("--rw");
    let (r, _) = session(
        home.path(),
        &calls,
        &argv.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(
        call(&r, 0, "git_add"),
        (&json!(false), "Files staged successfully"),
        "{r}"
    );
    let (err, text) = call(&r, 1, "git_commit");
    assert_eq!(err, false, "{r}");
    assert!(text.starts_with("Changes committed successfully"), "{text}");
    assert_ne!(git(&repo, &["rev-parse", "HEAD"]), head);
    assert_eq!(
        git(&repo, &["log", "-1", "--format=%s"]),
        "from the sandbox"
    );
    assert_eq!(
        git(&repo, &["show", "--name-only", "--format=", "HEAD"]),
        "a.txt\nb.txt"
    );
}
