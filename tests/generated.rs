//! The man page and the shell completions are generated from the flag table and committed. These
//! tests fail when a committed file differs from what the binary generates, when a file misses
//! an option, and when a shell does not accept its script.

mod common;

use std::process::Command;

use common::*;

/// (kind, committed file). Kept in step with `src/cli/generate.rs`'s FILES.
const FILES: &[(&str, &str)] = &[
    ("man", "man/mcpjail.1"),
    ("bash", "completions/mcpjail.bash"),
    ("zsh", "completions/_mcpjail"),
    ("fish", "completions/mcpjail.fish"),
];

fn regenerate_hint() -> String {
    let cmds: Vec<String> = FILES
        .iter()
        .map(|(k, f)| format!("  cargo run --quiet -- --generate {k} > {f}"))
        .collect();
    format!("regenerate with `make generate`, or:\n{}", cmds.join("\n"))
}

fn generated(kind: &str) -> String {
    let out = run(mcpjail(["--generate", kind]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "--generate {kind}: {}",
        stderr(&out)
    );
    assert!(
        out.stderr.is_empty(),
        "--generate {kind} wrote to stderr: {}",
        stderr(&out)
    );
    stdout(&out)
}

fn committed(file: &str) -> String {
    std::fs::read_to_string(repo().join(file)).unwrap_or_else(|e| {
        panic!(
            "{file}: {e}; it is generated and committed; {}",
            regenerate_hint()
        )
    })
}

/// Long options, subcommands and choices, read from `--help` (itself made from the table), so the
/// test does not trust the generator it checks.
fn long_options() -> Vec<String> {
    let help = stdout(&run(mcpjail(["--help"])));
    let mut longs = Vec::new();
    for word in help.split_whitespace() {
        let word = word.trim_end_matches(',');
        if let Some(name) = word.strip_prefix("--")
            && !name.is_empty()
            && name.chars().all(|c| c.is_ascii_lowercase() || c == '-')
            && !longs.iter().any(|l: &String| l == name)
        {
            longs.push(name.to_string());
        }
    }
    assert!(
        longs.len() > 20,
        "too few options found in --help: {longs:?}"
    );
    longs
}

const SUBCOMMANDS: &[&str] = &["explain", "doctor", "ps", "cleanup", "wrap-config"];
const CHOICES: &[&str] = &["docker", "sandbox", "none", "trace", "fish"];

#[test]
fn committed_files_are_what_the_binary_generates() {
    let mut stale = Vec::new();
    for (kind, file) in FILES {
        if committed(file) != generated(kind) {
            stale.push(*file);
        }
    }
    assert!(
        stale.is_empty(),
        "out of date with the flag table: {}; {}",
        stale.join(", "),
        regenerate_hint()
    );
}

#[test]
fn every_long_option_is_in_every_file() {
    for (kind, file) in FILES {
        let text = committed(file);
        for long in long_options() {
            let found = match *kind {
                "man" => text.contains(&format!("\\fB\\-\\-{}\\fR", long.replace('-', "\\-"))),
                "fish" => text.contains(&format!(" -l {long} ")),
                _ => text.contains(&format!("--{long}")),
            };
            assert!(found, "{file} lacks --{long}; {}", regenerate_hint());
        }
        for word in SUBCOMMANDS.iter().chain(CHOICES) {
            assert!(
                text.contains(&word.replace('-', if *kind == "man" { "\\-" } else { "-" })),
                "{file} lacks {word}"
            );
        }
    }
}

#[test]
fn man_page_sections() {
    let man = committed("man/mcpjail.1");
    for section in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "COMMANDS",
        "OPTIONS",
        "MODES",
        "EXIT STATUS",
        "ENVIRONMENT",
        "FILES",
        "EXAMPLES",
        "SEE ALSO",
    ] {
        assert!(
            man.contains(&format!(".SH {section}\n")),
            "man page lacks {section}"
        );
    }
    for text in [
        "MCPJAIL_LOG",
        "~/.mcpproxy/mcp_config.json",
        "\\fBbwrap\\fR(1)",
        "\\fBfirejail\\fR(1)",
        "\\fBdocker\\-run\\fR(1)",
        "125",
    ] {
        assert!(man.contains(text), "man page lacks {text}");
    }
}

fn tool(name: &str) -> Command {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .map(|o| o.status.success());
    assert!(
        matches!(found, Ok(true)),
        "{name} is not installed (apt-get install -y {name})"
    );
    Command::new(name)
}

#[test]
fn man_page_renders_without_warnings() {
    // groff is what man(1) uses; -ww turns on every warning, -z discards the output.
    let Ok(out) = Command::new("groff")
        .args(["-man", "-ww", "-z"])
        .arg(repo().join("man/mcpjail.1"))
        .output()
    else {
        eprintln!("groff not installed; skipping the rendering check");
        return;
    };
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "groff: {}",
        stderr(&out)
    );
}

#[test]
fn bash_completion_loads() {
    let script = repo().join("completions/mcpjail.bash");
    let out = tool("bash")
        .arg("-c")
        .arg(format!(
            "source '{}' && complete -p mcpjail",
            script.display()
        ))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("-F _mcpjail mcpjail"),
        "{}",
        stdout(&out)
    );
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}

#[test]
fn zsh_accepts_its_completion() {
    let out = tool("zsh")
        .arg("-n")
        .arg(repo().join("completions/_mcpjail"))
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "zsh -n: {}",
        stderr(&out)
    );
}

#[test]
fn fish_accepts_its_completion() {
    let out = tool("fish")
        .arg("-n")
        .arg(repo().join("completions/mcpjail.fish"))
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "fish -n: {}",
        stderr(&out)
    );
}

/// Ask bash's completion function for the candidates of a command line (last word: the cursor).
fn bash_complete(words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let script = format!(
        "source completions/mcpjail.bash; COMP_WORDS=({}); COMP_CWORD={}; _mcpjail; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        quoted.join(" "),
        words.len() - 1
    );
    let out = tool("bash")
        .current_dir(repo())
        .arg("-c")
        .arg(script)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).lines().map(str::to_string).collect()
}

#[test]
fn bash_completes_from_the_table() {
    assert_eq!(
        bash_complete(&["mcpjail", "--mode", ""]),
        ["docker", "sandbox", "none"]
    );
    assert_eq!(
        bash_complete(&["mcpjail", "-vm", ""]),
        ["docker", "sandbox", "none"]
    );
    assert_eq!(bash_complete(&["mcpjail", "--mode", "=", "s"]), ["sandbox"]);
    assert_eq!(bash_complete(&["mcpjail", "--log-level", "d"]), ["debug"]);
    assert!(bash_complete(&["mcpjail", "wr"]).contains(&"wrap-config".to_string()));
    // Scopes: doctor knows --json, not --rw; run knows --rw, not --json.
    let doctor = bash_complete(&["mcpjail", "doctor", "--"]);
    assert!(
        doctor.contains(&"--json".into()) && !doctor.iter().any(|o| o.starts_with("--rw")),
        "{doctor:?}"
    );
    let run_opts = bash_complete(&["mcpjail", "--"]);
    assert!(
        run_opts.contains(&"--rw=".into()) && !run_opts.contains(&"--json".into()),
        "{run_opts:?}"
    );
    // Path options complete paths.
    assert!(
        bash_complete(&["mcpjail", "--rw", "completions/mcpjail.b"])
            .contains(&"completions/mcpjail.bash".into())
    );
    assert!(
        bash_complete(&["mcpjail", "wrap-config", "completions/_mcp"])
            .contains(&"completions/_mcpjail".into())
    );
    // After `--` (or COMMAND's first word) mcpjail's options are not offered.
    assert!(!bash_complete(&["mcpjail", "--", "ls", "--"]).contains(&"--mode=".into()));
    assert!(!bash_complete(&["mcpjail", "-m", "none", "cat", "--m"]).contains(&"--mode=".into()));
}

fn fish_complete(line: &str) -> Vec<String> {
    let script = format!("source completions/mcpjail.fish; complete -C '{line}'");
    let out = tool("fish")
        .current_dir(repo())
        .arg("-c")
        .arg(script)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|l| l.split('\t').next().unwrap_or("").to_string())
        .collect()
}

#[test]
fn fish_completes_from_the_table() {
    assert_eq!(
        fish_complete("mcpjail --mode "),
        ["docker", "none", "sandbox"]
    );
    assert_eq!(fish_complete("mcpjail -vm "), ["docker", "none", "sandbox"]);
    assert!(fish_complete("mcpjail wr").contains(&"wrap-config".to_string()));
    let doctor = fish_complete("mcpjail doctor --");
    assert!(
        doctor.contains(&"--json".into()) && !doctor.contains(&"--rw".into()),
        "{doctor:?}"
    );
    assert!(
        fish_complete("mcpjail --rw completions/mcpjail.b")
            .contains(&"completions/mcpjail.bash".into())
    );
    // After `--` the words are COMMAND's: its own completions, not mcpjail's.
    assert!(!fish_complete("mcpjail -- ls --").contains(&"--mode".into()));
}

#[test]
fn generate_rejects_unknown_kinds() {
    assert_error(
        &run(mcpjail(["--generate", "html"])),
        125,
        "--generate html: expected one of man, bash, zsh, fish",
    );
    assert_error(&run(mcpjail(["--generate"])), 125, "--generate");
}
