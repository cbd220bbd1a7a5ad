//! `mcpjail wrap-config`: real-shaped configs of each client, idempotence, the --unwrap round
//! trip, --write with its backup, bad input (file untouched), and a wrapped server run for real.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output};

use common::*;
use serde_json::{Value, json};

/// Claude Desktop's claude_desktop_config.json, as its settings page writes it.
const CLAUDE: &str = r#"{
  "globalShortcut": "Ctrl+Space",
  "mcpServers": {
    "filesystem": {
      "command": "npx",
      "args": [
        "-y",
        "@modelcontextprotocol/server-filesystem",
        "/home/me/Desktop",
        "/home/me/Downloads"
      ]
    },
    "github": {
      "command": "docker",
      "args": [
        "run",
        "-i",
        "--rm",
        "-e",
        "GITHUB_PERSONAL_ACCESS_TOKEN",
        "ghcr.io/github/github-mcp-server"
      ],
      "env": {
        "GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_not_a_real_token"
      }
    },
    "local-binary": {
      "command": "/opt/mcp/bin/server"
    }
  }
}
"#;

/// Cursor's ~/.cursor/mcp.json: stdio servers with `type`, and a remote one with `url`.
const CURSOR: &str = r#"{
  "mcpServers": {
    "git": {
      "type": "stdio",
      "command": "uvx",
      "args": [
        "mcp-server-git",
        "--repository",
        "/home/me/src/project"
      ],
      "env": {
        "GIT_AUTHOR_NAME": "Me",
        "LOG_LEVEL": "debug"
      }
    },
    "linear": {
      "url": "https://mcp.linear.app/sse"
    },
    "remote-http": {
      "type": "http",
      "url": "https://example.com/mcp",
      "headers": {
        "Authorization": "Bearer x"
      }
    }
  }
}
"#;

/// VS Code's .vscode/mcp.json (tab-indented, as VS Code writes it), with inputs.
const VSCODE: &str = "{\n\t\"inputs\": [\n\t\t{\n\t\t\t\"type\": \"promptString\",\n\t\t\t\"id\": \"api-key\",\n\t\t\t\"description\": \"API key\",\n\t\t\t\"password\": true\n\t\t}\n\t],\n\t\"servers\": {\n\t\t\"fetch\": {\n\t\t\t\"type\": \"stdio\",\n\t\t\t\"command\": \"uvx\",\n\t\t\t\"args\": [\n\t\t\t\t\"mcp-server-fetch\"\n\t\t\t],\n\t\t\t\"env\": {\n\t\t\t\t\"API_KEY\": \"${input:api-key}\"\n\t\t\t}\n\t\t},\n\t\t\"docs\": {\n\t\t\t\"type\": \"http\",\n\t\t\t\"url\": \"https://example.com/mcp\"\n\t\t}\n\t}\n}\n";

/// VS Code's settings.json with servers under `mcp`, among other settings (4-space indent).
const VSCODE_SETTINGS: &str = r#"{
    "editor.fontSize": 13,
    "mcp": {
        "servers": {
            "memory": {
                "command": "npx",
                "args": [
                    "-y",
                    "@modelcontextprotocol/server-memory"
                ]
            }
        }
    },
    "files.autoSave": "afterDelay"
}
"#;

/// mcpproxy's ~/.mcpproxy/mcp_config.json.
const MCPPROXY: &str = r#"{
  "listen": "127.0.0.1:8080",
  "data_dir": "/home/me/.mcpproxy",
  "docker_isolation": {
    "enabled": false,
    "memory_limit": "512m",
    "cpu_limit": "1.0"
  },
  "mcpServers": [
    {
      "name": "fetch",
      "command": "uvx",
      "args": [
        "mcp-server-fetch"
      ],
      "protocol": "stdio",
      "enabled": true,
      "created": "2025-01-01T00:00:00Z"
    },
    {
      "name": "trusted",
      "command": "node",
      "args": [
        "server.js"
      ],
      "working_dir": "/home/me/src/server",
      "isolation": {
        "enabled": false,
        "image": "node:22"
      },
      "enabled": true
    },
    {
      "name": "remote",
      "url": "https://example.com/mcp",
      "protocol": "http",
      "enabled": true
    }
  ]
}
"#;

const ALL: &[(&str, &str)] = &[
    ("claude", CLAUDE),
    ("cursor", CURSOR),
    ("vscode", VSCODE),
    ("vscode-settings", VSCODE_SETTINGS),
    ("mcpproxy", MCPPROXY),
];

fn self_path() -> String {
    std::fs::canonicalize(bin())
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// `mcpjail wrap-config FILE ARGS…`, run in `dir`.
fn wrap_config(dir: &TempDir, file: &str, args: &[&str]) -> Output {
    let mut cmd = mcpjail(["wrap-config", file]);
    cmd.args(args).current_dir(dir.path());
    run(cmd)
}

/// Run and expect success; returns stdout.
#[track_caller]
fn ok(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(out));
    stdout(out)
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn keys(v: &Value) -> Vec<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

/// Wrap `text` with `args`; returns the rewritten config.
fn wrapped(text: &str, args: &[&str]) -> String {
    let dir = TempDir::new("wrap");
    dir.write("c.json", text);
    let out = wrap_config(&dir, "c.json", args);
    let new = ok(&out);
    assert_eq!(
        std::fs::read_to_string(dir.join("c.json")).unwrap(),
        text,
        "without --write FILE is untouched"
    );
    new
}

#[test]
fn claude_desktop() {
    let w = parse(&wrapped(CLAUDE, &["--mode", "sandbox", "--rw", "notes"]));
    let orig = parse(CLAUDE);
    assert_eq!(keys(&w), keys(&orig));
    assert_eq!(w["globalShortcut"], "Ctrl+Space");
    let servers = &w["mcpServers"];
    assert_eq!(keys(servers), keys(&orig["mcpServers"]));
    let exe = self_path();

    let fs = &servers["filesystem"];
    assert_eq!(fs["command"], exe.as_str());
    // Relative paths are made absolute: the client starts servers from a directory of its own.
    let args: Vec<&str> = fs["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(args[..2], ["--mode", "sandbox"]);
    assert_eq!(args[2], "--rw");
    assert!(
        args[3].starts_with('/') && args[3].ends_with("/notes"),
        "{args:?}"
    );
    assert_eq!(
        args[4..],
        [
            "--",
            "npx",
            "-y",
            "@modelcontextprotocol/server-filesystem",
            "/home/me/Desktop",
            "/home/me/Downloads"
        ]
    );

    // env stays (values are secrets and never go into args); the key is named with --env so the
    // sandbox passes it.
    let gh = &servers["github"];
    assert_eq!(gh["env"], orig["mcpServers"]["github"]["env"]);
    let args = gh["args"].as_array().unwrap();
    let env_at = args.iter().position(|a| a == "--env").expect("--env KEY");
    assert_eq!(args[env_at + 1], "GITHUB_PERSONAL_ACCESS_TOKEN");
    assert!(!gh["args"].to_string().contains("ghp_not_a_real_token"));
    assert_eq!(keys(gh), ["command", "args", "env"]);

    // A server without args gets them right after its command.
    let local = &servers["local-binary"];
    assert_eq!(keys(local), ["command", "args"]);
    assert_eq!(
        local["args"].as_array().unwrap().last().unwrap(),
        "/opt/mcp/bin/server"
    );
}

#[test]
fn cursor_leaves_remote_servers_alone() {
    let w = parse(&wrapped(CURSOR, &["--mode", "docker"]));
    let orig = parse(CURSOR);
    assert_eq!(w["mcpServers"]["linear"], orig["mcpServers"]["linear"]);
    assert_eq!(
        w["mcpServers"]["remote-http"],
        orig["mcpServers"]["remote-http"]
    );
    let git = &w["mcpServers"]["git"];
    assert_eq!(keys(git), ["type", "command", "args", "env"]);
    assert_eq!(git["type"], "stdio");
    assert_eq!(
        git["args"],
        json!([
            "--mode",
            "docker",
            "--env",
            "GIT_AUTHOR_NAME",
            "--env",
            "LOG_LEVEL",
            "--",
            "uvx",
            "mcp-server-git",
            "--repository",
            "/home/me/src/project"
        ])
    );
}

#[test]
fn vscode_keeps_tabs_inputs_and_http_servers() {
    let text = wrapped(VSCODE, &["--mode", "sandbox"]);
    assert!(text.starts_with("{\n\t\"inputs\": [\n\t\t{"), "{text}");
    let w = parse(&text);
    let orig = parse(VSCODE);
    assert_eq!(w["inputs"], orig["inputs"]);
    assert_eq!(w["servers"]["docs"], orig["servers"]["docs"]);
    let fetch = &w["servers"]["fetch"];
    assert_eq!(fetch["command"], self_path().as_str());
    assert_eq!(fetch["env"]["API_KEY"], "${input:api-key}");
    assert_eq!(
        fetch["args"],
        json!([
            "--mode",
            "sandbox",
            "--env",
            "API_KEY",
            "--",
            "uvx",
            "mcp-server-fetch"
        ])
    );

    let text = wrapped(VSCODE_SETTINGS, &[]);
    assert!(
        text.contains("\n    \"editor.fontSize\": 13,\n"),
        "4-space indent kept: {text}"
    );
    let w = parse(&text);
    assert_eq!(keys(&w), ["editor.fontSize", "mcp", "files.autoSave"]);
    assert_eq!(
        w["mcp"]["servers"]["memory"]["args"],
        json!(["--", "npx", "-y", "@modelcontextprotocol/server-memory"])
    );
}

#[test]
fn mcpproxy_gets_isolation_not_a_new_command() {
    let w = parse(&wrapped(
        MCPPROXY,
        &["--mode", "docker", "--network", "none", "--ro", "/srv/data"],
    ));
    let orig = parse(MCPPROXY);
    assert_eq!(keys(&w), keys(&orig));
    assert_eq!(w["docker_isolation"], orig["docker_isolation"]);
    let servers = w["mcpServers"].as_array().unwrap();

    let fetch = &servers[0];
    assert_eq!(fetch["command"], "uvx", "mcpproxy spawns the server itself");
    assert_eq!(fetch["args"], orig["mcpServers"][0]["args"]);
    assert_eq!(
        fetch["isolation"],
        json!({"mode": "docker", "network_mode": "none", "ro_paths": ["/srv/data"]})
    );
    assert_eq!(fetch["mcpjail_wrapped"], json!({}));

    // An existing isolation keeps its other keys, and is saved for --unwrap.
    let trusted = &servers[1];
    assert_eq!(trusted["isolation"]["image"], "node:22");
    assert_eq!(trusted["isolation"]["mode"], "docker");
    assert_eq!(
        trusted["mcpjail_wrapped"]["isolation"],
        orig["mcpServers"][1]["isolation"]
    );
    let order = keys(trusted);
    assert_eq!(
        order[..5],
        ["name", "command", "args", "working_dir", "isolation"],
        "isolation stays in its place"
    );

    assert_eq!(servers[2], orig["mcpServers"][2], "HTTP server untouched");

    // Without --mode: sandbox, mcpjail's own default.
    let w = parse(&wrapped(MCPPROXY, &[]));
    assert_eq!(w["mcpServers"][0]["isolation"], json!({"mode": "sandbox"}));
}

#[test]
fn mcpproxy_config_is_read_by_mcpjail_itself() {
    // What wrap-config writes, mcpjail's own config loader reads as intended.
    let dir = TempDir::new("wrap-read");
    dir.write("m.json", &wrapped(MCPPROXY, &["--mode", "none"]));
    let out = run(mcpjail([
        "explain",
        "--config",
        dir.join("m.json").to_str().unwrap(),
        "--server",
        "trusted",
        "--",
        "true",
    ]));
    let plan = json(&out);
    assert_eq!(plan["mode"], "none", "{plan:#}");
    assert_eq!(plan["mode_source"], "server isolation.mode");
}

#[test]
fn idempotent() {
    for (name, text) in ALL {
        for args in [&[][..], &["--mode", "sandbox", "--rw", "/tmp"][..]] {
            let once = wrapped(text, args);
            let twice = wrapped(&once, args);
            assert_eq!(once, twice, "{name} {args:?}: wrapping twice changed it");
        }
    }
}

#[test]
fn new_options_replace_old_ones_without_a_second_layer() {
    for (name, text) in ALL {
        let sandbox = wrapped(text, &["--mode", "sandbox"]);
        let none = wrapped(&sandbox, &["--mode", "none"]);
        assert_eq!(none, wrapped(text, &["--mode", "none"]), "{name}");
        assert_eq!(
            none.matches(&self_path()).count(),
            sandbox.matches(&self_path()).count(),
            "{name}"
        );
        assert!(!none.contains("\"sandbox\""), "{name}: {none}");
    }
}

#[test]
fn unwrap_round_trip_is_byte_for_byte() {
    for (name, text) in ALL {
        let w = wrapped(text, &["--mode", "docker", "--rw", "/srv"]);
        assert_ne!(&w, text, "{name}");
        let back = wrapped(&w, &["--unwrap"]);
        assert_eq!(&back, text, "{name}: wrap + unwrap");
        // Unwrapping what is not wrapped changes nothing.
        assert_eq!(&wrapped(text, &["--unwrap"]), text, "{name}");
    }
}

#[test]
fn unwrap_of_a_compact_file_is_json_equal() {
    let compact = r#"{"mcpServers":{"fs":{"command":"npx","args":["-y","x"],"env":{"A":"1"}},"web":{"url":"http://x"}}}"#;
    let back = wrapped(&wrapped(compact, &["--mode", "sandbox"]), &["--unwrap"]);
    assert_eq!(parse(&back), parse(compact));
    assert_eq!(
        keys(&parse(&back)["mcpServers"]["fs"]),
        ["command", "args", "env"]
    );
}

#[test]
fn unwrap_also_takes_hand_written_wrappers() {
    let hand = r#"{"mcpServers": {"a": {"command": "mcpjail", "args": ["-m", "none", "cat", "-n"]},
                                  "b": {"command": "/usr/local/bin/mcpjail", "args": ["--", "node", "s.js"]},
                                  "c": {"command": "mcpjail", "args": ["--server", "c"]}}}"#;
    let w = parse(&wrapped(hand, &["--unwrap"]));
    assert_eq!(
        w["mcpServers"]["a"],
        json!({"command": "cat", "args": ["-n"]})
    );
    assert_eq!(
        w["mcpServers"]["b"],
        json!({"command": "node", "args": ["s.js"]})
    );
    // `mcpjail --server c` has no command of its own to restore: left as is.
    assert_eq!(
        w["mcpServers"]["c"],
        json!({"command": "mcpjail", "args": ["--server", "c"]})
    );
}

#[test]
fn server_selects_one() {
    let w = parse(&wrapped(
        CLAUDE,
        &["--server", "github", "--mode", "sandbox"],
    ));
    assert_eq!(
        w["mcpServers"]["filesystem"],
        parse(CLAUDE)["mcpServers"]["filesystem"]
    );
    assert_eq!(w["mcpServers"]["github"]["command"], self_path().as_str());
    assert!(
        !w["mcpServers"]["github"]["args"]
            .to_string()
            .contains("--server"),
        "--server is wrap-config's own"
    );
}

#[test]
fn write_edits_in_place_with_a_backup() {
    let dir = TempDir::new("wrap-write");
    let file = dir.write("claude_desktop_config.json", CLAUDE);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = wrap_config(
        &dir,
        "claude_desktop_config.json",
        &["--mode", "sandbox", "--write"],
    );
    assert_eq!(ok(&out), "", "--write prints nothing on stdout");
    assert!(
        stderr(&out).contains("claude_desktop_config.json.bak"),
        "{}",
        stderr(&out)
    );
    let new = std::fs::read_to_string(&file).unwrap();
    assert_eq!(new, wrapped(CLAUDE, &["--mode", "sandbox"]));
    assert_eq!(
        std::fs::read_to_string(dir.join("claude_desktop_config.json.bak")).unwrap(),
        CLAUDE
    );
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o640,
        "mode kept"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "no temporary files left: {leftovers:?}");

    // Again: nothing changes, and the backup still holds the original.
    let out = wrap_config(
        &dir,
        "claude_desktop_config.json",
        &["--mode", "sandbox", "--write"],
    );
    ok(&out);
    assert!(
        stderr(&out).contains("nothing to change"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), new);
    assert_eq!(
        std::fs::read_to_string(dir.join("claude_desktop_config.json.bak")).unwrap(),
        CLAUDE
    );

    // And back.
    ok(&wrap_config(
        &dir,
        "claude_desktop_config.json",
        &["--unwrap", "--write"],
    ));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), CLAUDE);
}

#[test]
fn write_through_a_symlink_keeps_the_link() {
    let dir = TempDir::new("wrap-link");
    std::fs::create_dir(dir.join("dotfiles")).unwrap();
    dir.write("dotfiles/cursor.json", CURSOR);
    std::os::unix::fs::symlink("dotfiles/cursor.json", dir.join("mcp.json")).unwrap();
    ok(&wrap_config(&dir, "mcp.json", &["--write"]));
    assert!(
        std::fs::symlink_metadata(dir.join("mcp.json"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("dotfiles/cursor.json")).unwrap(),
        wrapped(CURSOR, &[])
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("dotfiles/cursor.json.bak")).unwrap(),
        CURSOR
    );
}

/// A bad input: exit 125, one error line, the file (and its directory) exactly as before.
#[track_caller]
fn refused(dir: &TempDir, out: &Output, want: &str) {
    assert_error(out, 125, want);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.ends_with(".bak") || n.ends_with(".tmp")),
        "left behind: {names:?}"
    );
}

#[test]
fn bad_input() {
    let table: &[(&str, &[&str], &str)] = &[
        ("{ \"mcpServers\": {", &[], "c.json: not valid JSON"),
        ("// comment\n{}", &["--write"], "c.json: not valid JSON"),
        (
            "[1, 2]",
            &[],
            "c.json: expected a JSON object at the top level",
        ),
        (
            "{\"theme\": \"dark\"}",
            &["--write"],
            "c.json: no servers: expected mcpServers",
        ),
        (
            "{\"mcpServers\": {}}",
            &[],
            "c.json: no servers: mcpServers is empty",
        ),
        (
            "{\"mcpServers\": \"x\"}",
            &[],
            "mcpServers: expected a list or an object, found a string",
        ),
        (
            "{\"mcpServers\": {\"a\": {\"command\": \"x\", \"args\": [1]}}}",
            &["--write"],
            "mcpServers.a.args[0]: expected a string",
        ),
        (
            CLAUDE,
            &["--server", "nope"],
            "--server nope: no such server (it has: filesystem, github, local-binary)",
        ),
        (
            CLAUDE,
            &["--unwrap", "--mode", "none"],
            "--unwrap takes no run options (got --mode)",
        ),
        (
            MCPPROXY,
            &["--memory", "1g", "--write"],
            "--memory: an mcpproxy config has no per-server isolation key",
        ),
        (
            CLAUDE,
            &["--mode", "jail"],
            "--mode jail: expected one of docker, sandbox, none",
        ),
        (
            CLAUDE,
            &["--json"],
            "--json is not an option of wrap-config",
        ),
        (
            CLAUDE,
            &["extra.json"],
            "unexpected argument 'extra.json' for wrap-config",
        ),
    ];
    for (text, args, want) in table {
        let dir = TempDir::new("wrap-bad");
        dir.write("c.json", text);
        refused(&dir, &wrap_config(&dir, "c.json", args), want);
        assert_eq!(
            std::fs::read_to_string(dir.join("c.json")).unwrap(),
            *text,
            "{want}"
        );
    }
    let dir = TempDir::new("wrap-bad");
    refused(
        &dir,
        &wrap_config(&dir, "missing.json", &[]),
        "missing.json: cannot read",
    );
    refused(
        &dir,
        &run(mcpjail(["wrap-config"])),
        "wrap-config needs FILE",
    );
    std::fs::write(dir.join("bin.json"), [0xff, 0xfe, b'{', b'}']).unwrap();
    refused(
        &dir,
        &wrap_config(&dir, "bin.json", &[]),
        "bin.json: not UTF-8",
    );
}

/// Run wrap-config --write as a user who cannot write what `setup` prepared. As root (who may
/// write anything) the run drops to nobody; otherwise permissions alone do it.
fn write_denied(setup: impl Fn(&TempDir, &Path)) -> (TempDir, Output) {
    let dir = TempDir::new("wrap-denied");
    let file = dir.write("c.json", CLAUDE);
    setup(&dir, &file);
    let mut cmd = mcpjail(["wrap-config", "c.json", "--write"]);
    cmd.current_dir(dir.path());
    if nix::unistd::geteuid().is_root() {
        cmd.uid(65534).gid(65534);
    }
    let out = run(cmd);
    // Let the TempDir clean up.
    let _ = std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755));
    (dir, out)
}

fn give_to_runner(p: &Path, mode: u32) {
    if nix::unistd::geteuid().is_root() {
        nix::unistd::chown(p, Some(65534.into()), Some(65534.into())).unwrap();
    }
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn unwritable_file() {
    let (dir, out) = write_denied(|dir, file| {
        give_to_runner(dir.path(), 0o755);
        // Readable, not writable, by the runner.
        if nix::unistd::geteuid().is_root() {
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).unwrap();
        } else {
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o444)).unwrap();
        }
    });
    refused(&dir, &out, "c.json: not writable");
    assert_eq!(std::fs::read_to_string(dir.join("c.json")).unwrap(), CLAUDE);
}

#[test]
fn unwritable_directory() {
    let (dir, out) = write_denied(|dir, file| {
        give_to_runner(file, 0o644);
        if nix::unistd::geteuid().is_root() {
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        } else {
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
        }
    });
    refused(&dir, &out, "is not writable");
    assert!(stderr(&out).contains("FILE.bak"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(dir.join("c.json")).unwrap(), CLAUDE);
}

/// The client's side: start the server exactly as the rewritten config says (command, args,
/// env), speak to it on stdin, read its stdout.
fn start_as_client(server: &Value, input: &[u8]) -> Output {
    let mut cmd = Command::new(server["command"].as_str().unwrap());
    cmd.args(
        server["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap()),
    );
    for (k, v) in server["env"].as_object().into_iter().flatten() {
        cmd.env(k, v.as_str().unwrap());
    }
    run_with_input(cmd, input)
}

#[test]
fn a_wrapped_server_runs() {
    let config = r#"{
  "mcpServers": {
    "echo": {
      "command": "sh",
      "args": [
        "-c",
        "printf 'token=%s\n' \"$SERVICE_TOKEN\"; exec cat"
      ],
      "env": {
        "SERVICE_TOKEN": "t0ken"
      }
    }
  }
}
"#;
    // none passes the whole environment; sandbox only named variables, so the token arriving
    // there shows the `--env KEY` that wrap-config added.
    for mode in ["none", "sandbox"] {
        let w = parse(&wrapped(config, &["--mode", mode]));
        let server = &w["mcpServers"]["echo"];
        assert_eq!(server["command"], self_path().as_str());
        let request = b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n";
        let out = start_as_client(server, request);
        assert_eq!(out.status.code(), Some(0), "{mode}: {}", stderr(&out));
        let mut want = b"token=t0ken\n".to_vec();
        want.extend_from_slice(request);
        assert_eq!(
            stdout(&out),
            String::from_utf8(want).unwrap(),
            "{mode}: stdout belongs to the server"
        );
    }
}
