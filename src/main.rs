//! mcpjail: confine an MCP stdio server before it starts.
//!
//! `#![no_main]`: Rust's usual entry point sets SIGPIPE to "ignore" before `main` runs, and an
//! ignored signal survives execve — the server would start with a disposition it would not have
//! had if started directly. With our own C `main` the dispositions and mask stay as inherited.
#![cfg_attr(not(test), no_main)]

use mcpjail::{cli, docker, doctor, error, exec, logging, mode, plan, sandbox, wrap_config};

use cli::{Cli, Command, Info};
use error::{Error, Result};
use mode::Mode;

#[cfg(not(test))]
#[unsafe(no_mangle)]
pub extern "C" fn main(_argc: libc::c_int, _argv: *const *const libc::c_char) -> libc::c_int {
    entry()
}

/// The whole program. Unit-test builds keep libtest's `main` and never call this; allowing
/// dead code here keeps everything it reaches counted as used there too.
#[cfg_attr(test, allow(dead_code))]
fn entry() -> i32 {
    // std reads the arguments itself on Linux (glibc passes them to its init hooks).
    match cli::parse_env().and_then(run) {
        Ok(status) => status,
        Err(e) => {
            e.report();
            e.exit
        }
    }
}

fn run(cli: Cli) -> Result<i32> {
    logging::init(&cli);
    if let Some(info) = &cli.info {
        return show(info);
    }
    match cli.command {
        Command::Run => run_server(&cli),
        Command::Explain => explain(&cli),
        Command::Ps => docker::ps(&cli),
        Command::Cleanup => docker::cleanup(&cli),
        Command::Doctor => doctor::run(cli.json),
        Command::WrapConfig => wrap_config::run(&cli),
    }
}

fn show(info: &Info) -> Result<i32> {
    match info {
        Info::Help => print!("{}", cli::help::text()),
        Info::Version => println!("mcpjail {}", env!("CARGO_PKG_VERSION")),
        Info::Generate(kind) => print!("{}", cli::generate::generate(kind)?),
    }
    Ok(0)
}

fn explain(cli: &Cli) -> Result<i32> {
    let plan = plan::build(cli)?;
    let text = serde_json::to_string_pretty(&plan.to_json()).map_err(|e| Error::new(e.to_string()))?;
    println!("{text}");
    Ok(plan.failure.map_or(0, |f| f.exit))
}

fn run_server(cli: &Cli) -> Result<i32> {
    let plan = plan::build(cli)?;
    if let Some(failure) = plan.failure {
        return Err(failure);
    }
    if let Some(line) = plan.warning_line() {
        log::warn!("{line}");
    }
    log::info!("mode {} ({}): {}", plan.mode, plan.mode_source.as_str(), plan.argv.join(" "));
    match plan.mode {
        Mode::None => {
            let prepared = exec::prepare(&plan)?;
            prepared.enter_cwd()?;
            Err(prepared.exec())
        }
        Mode::Sandbox => Err(sandbox::exec(&plan)),
        Mode::Docker => docker::run(&plan),
    }
}
