//! `--help`, generated from the flag table.

use super::flags::{Category, FLAGS, Flag, SUBCOMMANDS};

pub const ABOUT: &str = "confine an MCP stdio server before it starts";

pub const USAGE: &[&str] = &[
    "mcpjail [OPTIONS] [--] COMMAND [ARG...]",
    "mcpjail [OPTIONS] --server NAME",
    "mcpjail explain [OPTIONS] [--] COMMAND [ARG...]",
    "mcpjail doctor [--json]",
    "mcpjail ps [--json]",
    "mcpjail cleanup [--all] [--server NAME]",
    "mcpjail wrap-config FILE [OPTIONS] [--write] [--unwrap]",
];

pub const EXIT_STATUS: &[(&str, &str)] = &[
    (
        "the server's",
        "the server ran; its status (128+N if it died of signal N)",
    ),
    (
        "125",
        "mcpjail failed: bad flags or config, confinement not applied, docker unreachable",
    ),
    ("126", "COMMAND was found but cannot be executed"),
    ("127", "COMMAND was not found"),
];

/// `-m, --mode MODE`
pub fn synopsis(f: &Flag) -> String {
    let mut s = match f.short {
        Some(c) => format!("-{c}, --{}", f.long),
        None => format!("    --{}", f.long),
    };
    if f.takes_value() {
        s.push(' ');
        s.push_str(f.value_name);
    }
    s
}

pub fn text() -> String {
    let mut out = format!(
        "mcpjail {} — {ABOUT}\n\nUsage:\n",
        env!("CARGO_PKG_VERSION")
    );
    for u in USAGE {
        out.push_str(&format!("  {u}\n"));
    }
    out.push_str("\nCommands:\n");
    for (name, help) in SUBCOMMANDS {
        out.push_str(&format!("  {name:<13} {help}\n"));
    }
    for cat in Category::ORDER {
        let flags: Vec<&Flag> = FLAGS.iter().filter(|f| f.category == cat).collect();
        if flags.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{}:\n", cat.title()));
        for f in flags {
            out.push_str(&format!("  {:<28} {}\n", synopsis(f), f.help));
        }
    }
    out.push_str("\nAfter -- (or the first word of COMMAND) every word belongs to COMMAND.\n");
    out.push_str("\nExit status:\n");
    for (code, meaning) in EXIT_STATUS {
        out.push_str(&format!("  {code:<13} {meaning}\n"));
    }
    out
}
