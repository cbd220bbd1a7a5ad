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
#[allow(clippy::not_unsafe_ptr_arg_deref)] // called by the C runtime, with its argv
pub extern "C" fn main(argc: libc::c_int, argv: *const *const libc::c_char) -> libc::c_int {
    // SAFETY: C's main gets argc valid NUL-terminated strings in argv.
    entry(unsafe { args(argc, argv) })
}

/// The arguments after argv[0], as C's main gets them: std::env::args is empty without std's
/// own entry point on musl and the BSDs (only glibc and macOS let std find them by itself).
/// Found by building for x86_64-unknown-linux-musl, where every command line read as empty.
///
/// # Safety
/// `argv` holds `argc` valid NUL-terminated strings.
#[cfg_attr(test, allow(dead_code))]
unsafe fn args(argc: libc::c_int, argv: *const *const libc::c_char) -> Vec<std::ffi::OsString> {
    use std::os::unix::ffi::OsStrExt;
    (1..usize::try_from(argc).unwrap_or(0))
        .map(|i| {
            // SAFETY: i < argc (the caller's promise).
            let arg = unsafe { std::ffi::CStr::from_ptr(*argv.add(i)) };
            std::ffi::OsStr::from_bytes(arg.to_bytes()).to_os_string()
        })
        .collect()
}

/// The whole program. Unit-test builds keep libtest's `main` and never call this; allowing
/// dead code here keeps everything it reaches counted as used there too.
#[cfg_attr(test, allow(dead_code))]
fn entry(args: Vec<std::ffi::OsString>) -> i32 {
    match cli::parse(args).and_then(run) {
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

// Subcommands other than a launch are kept out of line: inlined into `main`, their locals
// would enlarge the stack frame that every launch pays for.
#[inline(never)]
fn show(info: &Info) -> Result<i32> {
    match info {
        Info::Help => print!("{}", cli::help::text()),
        Info::Version => println!("mcpjail {}", env!("CARGO_PKG_VERSION")),
        Info::Generate(kind) => print!("{}", cli::generate::generate(kind)?),
    }
    Ok(0)
}

#[inline(never)]
fn explain(cli: &Cli) -> Result<i32> {
    let plan = plan::build(cli)?;
    let text =
        serde_json::to_string_pretty(&plan.to_json()).map_err(|e| Error::new(e.to_string()))?;
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
    log::info!(
        "mode {} ({}): {}",
        plan.mode,
        plan.mode_source.as_str(),
        plan.argv.join(" ")
    );
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

#[cfg(test)]
mod tests {
    #[test]
    fn arguments_come_from_c_main_not_from_std() {
        let owned: Vec<std::ffi::CString> =
            ["mcpjail", "--mode", "none", "--", "echo", "", "\u{e9}"]
                .iter()
                .map(|s| std::ffi::CString::new(*s).unwrap())
                .collect();
        let argv: Vec<*const libc::c_char> = owned.iter().map(|s| s.as_ptr()).collect();
        // SAFETY: argv holds argv.len() valid C strings.
        let got = unsafe { super::args(argv.len() as libc::c_int, argv.as_ptr()) };
        assert_eq!(got, ["--mode", "none", "--", "echo", "", "\u{e9}"]);
        // SAFETY: as above.
        assert!(unsafe { super::args(0, argv.as_ptr()) }.is_empty());
    }
}
