//! Diagnostics go to stderr, never stdout: stdout is the server's protocol channel.
//!
//! One level for all of mcpjail, written by a few lines here; `MCPJAIL_LOG` with a filter
//! spec (`mcpjail::sandbox=debug`) hands the filtering to env_logger instead. The plain logger
//! is the launch path's: env_logger's set-up (filter parsing, writer, style detection) is code
//! and work that a launch pays for every time and a user rarely asks for.

use std::io::Write;

use log::{LevelFilter, Log, Metadata, Record};

use crate::cli::Cli;

/// Level: `--log-level`, else `-q`/`-v`, else `MCPJAIL_LOG`, else warnings.
pub fn init(cli: &Cli) {
    let from_flags = match (cli.log_level, cli.quiet, cli.verbose) {
        (Some(level), _, _) => Some(level),
        (None, true, _) => Some(LevelFilter::Error),
        (None, false, 0) => None,
        (None, false, 1) => Some(LevelFilter::Info),
        (None, false, 2) => Some(LevelFilter::Debug),
        (None, false, _) => Some(LevelFilter::Trace),
    };
    match std::env::var("MCPJAIL_LOG") {
        Ok(spec) => with_env_logger(&spec, from_flags),
        Err(_) => {
            // A second init (tests) is harmless; ignore it.
            let _ = log::set_logger(&PLAIN);
            log::set_max_level(from_flags.unwrap_or(LevelFilter::Warn));
        }
    }
}

fn with_env_logger(spec: &str, from_flags: Option<LevelFilter>) {
    let mut builder = env_logger::Builder::new();
    builder
        .target(env_logger::Target::Stderr)
        .filter_level(LevelFilter::Warn)
        .parse_filters(spec);
    if let Some(level) = from_flags {
        builder.filter_level(level);
    }
    builder.format(|buf, record| writeln!(buf, "{}", line(record)));
    let _ = builder.try_init();
}

/// `mcpjail: LEVEL: message`, on one line.
fn line(record: &Record) -> String {
    let level = match record.level() {
        log::Level::Error => "error",
        log::Level::Warn => "warning",
        log::Level::Info => "info",
        log::Level::Debug => "debug",
        log::Level::Trace => "trace",
    };
    let text = record.args().to_string();
    format!("mcpjail: {level}: {}", crate::error::one_line(&text))
}

/// Everything up to `log::max_level()`, one write per line.
struct Plain;

static PLAIN: Plain = Plain;

impl Log for Plain {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record) {
        if self.enabled(record.metadata()) {
            let mut text = line(record);
            text.push('\n');
            let _ = std::io::stderr().write_all(text.as_bytes());
        }
    }

    fn flush(&self) {}
}
