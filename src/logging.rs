//! Diagnostics go to stderr, never stdout: stdout is the server's protocol channel.

use std::io::Write;

use log::LevelFilter;

use crate::cli::Cli;

/// Level: `--log-level`, else `-q`/`-v`, else `MCPJAIL_LOG`, else warnings.
pub fn init(cli: &Cli) {
    let mut builder = env_logger::Builder::new();
    builder
        .target(env_logger::Target::Stderr)
        .filter_level(LevelFilter::Warn);
    if let Ok(spec) = std::env::var("MCPJAIL_LOG") {
        builder.parse_filters(&spec);
    }
    let from_flags = match (cli.log_level, cli.quiet, cli.verbose) {
        (Some(level), _, _) => Some(level),
        (None, true, _) => Some(LevelFilter::Error),
        (None, false, 0) => None,
        (None, false, 1) => Some(LevelFilter::Info),
        (None, false, 2) => Some(LevelFilter::Debug),
        (None, false, _) => Some(LevelFilter::Trace),
    };
    if let Some(level) = from_flags {
        builder.filter_level(level);
    }
    builder.format(|buf, record| {
        let level = match record.level() {
            log::Level::Error => "error",
            log::Level::Warn => "warning",
            log::Level::Info => "info",
            log::Level::Debug => "debug",
            log::Level::Trace => "trace",
        };
        let text = record.args().to_string();
        writeln!(buf, "mcpjail: {level}: {}", crate::error::one_line(&text))
    });
    // A second init (tests) is harmless; ignore it.
    let _ = builder.try_init();
}
