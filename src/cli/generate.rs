//! `mcpjail --generate man|bash|zsh|fish`: the man page and the shell completions, derived from
//! the flag table like `--help`. The outputs are committed (`man/`, `completions/`) and a test
//! fails when they differ from what the binary generates, so the table stays the one source.
//!
//! Regenerate (or `make generate`):
//!
//! ```text
//! cargo run --quiet -- --generate man  > man/mcpjail.1
//! cargo run --quiet -- --generate bash > completions/mcpjail.bash
//! cargo run --quiet -- --generate zsh  > completions/_mcpjail
//! cargo run --quiet -- --generate fish > completions/mcpjail.fish
//! ```

use super::flags::{self, Category, FLAGS, Flag, MODES, SUBCOMMANDS, Scope, Value};
use super::help::{ABOUT, EXIT_STATUS, USAGE};
use crate::error::{Result, bail};

pub fn generate(kind: &str) -> Result<String> {
    Ok(match kind {
        "man" => man(),
        "bash" => bash(),
        "zsh" => zsh(),
        "fish" => fish(),
        _ => bail!(
            "--generate {kind}: expected one of {}",
            flags::GENERATE.join(", ")
        ),
    })
}

/// The command lines that scope the options: (state name used by the completions, scope bit).
/// `run` is the state before any subcommand word, so it also offers the subcommands.
const STATES: &[(&str, Scope)] = &[
    ("run", flags::RUN),
    ("explain", flags::RUN),
    ("doctor", flags::DOCTOR),
    ("ps", flags::PS),
    ("cleanup", flags::CLEANUP),
    ("wrap-config", flags::WRAP),
];

fn states_of(f: &Flag) -> Vec<&'static str> {
    STATES
        .iter()
        .filter(|(_, s)| f.scope & s != 0)
        .map(|(n, _)| *n)
        .collect()
}

fn subcommand_names() -> Vec<&'static str> {
    SUBCOMMANDS.iter().map(|(n, _)| *n).collect()
}

/// Option words after which the next word is a value: `--mode`, `-m`.
fn value_words() -> Vec<String> {
    let mut out = Vec::new();
    for f in FLAGS.iter().filter(|f| f.takes_value()) {
        out.push(format!("--{}", f.long));
        if let Some(c) = f.short {
            out.push(format!("-{c}"));
        }
    }
    out
}

/// `^-[vqhV]*[mces]$`: a cluster of switches ending in a short option that takes a value, so
/// the value is the next word.
fn cluster_regex() -> String {
    let shorts = |value: bool| -> String {
        FLAGS
            .iter()
            .filter(|f| f.takes_value() == value)
            .filter_map(|f| f.short)
            .collect()
    };
    format!("^-[{}]*[{}]$", shorts(false), shorts(true))
}

// ---- man page -----------------------------------------------------------------------------

const DESCRIPTION: &[&str] = &[
    "mcpjail confines one local stdio server \\(em typically an MCP server speaking JSON\\-RPC \
     over stdin and stdout \\(em before it starts. It is written in front of the server's command, \
     in a client config, a shell script or a proxy's spawner.",
    "It resolves an isolation mode from its options and, optionally, a config file, prints \
     nothing on standard output, and then runs COMMAND confined. Standard output belongs to the \
     server: every diagnostic of mcpjail goes to standard error.",
    "Without \\fB\\-\\-mode\\fR the mode comes from the config file: the server's \
     \\fBisolation.mode\\fR, its \\fBisolation.enabled\\fR (true means docker), the global \
     \\fBdocker_isolation.mode\\fR and \\fBdocker_isolation.enabled\\fR, in that order. A config \
     file that says nothing means \\fBnone\\fR; no config file at all means \\fBsandbox\\fR. A \
     COMMAND named \\fBdocker\\fR is never wrapped.",
    "mcpjail never runs COMMAND less confined than asked. What the kernel or docker cannot \
     enforce is said in one warning line on standard error; with \\fB\\-\\-strict\\fR it is an \
     error instead.",
];

/// More about a subcommand than its one-line help, for the man page.
fn command_text(name: &str) -> &'static str {
    match name {
        "explain" => {
            "The plan shows the mode and why, the exact argv, the environment's variable names \
             (never values) and, per protection, whether it is enforced. Exits 0, or 125 with an \
             \\fBerror\\fR field when a run would fail."
        }
        "doctor" => {
            "Reports the kernel release, the Landlock ABI and what each of its feature levels means \
             for mcpjail, seccomp, whether mcpjail runs as root, the docker CLI, whether the daemon \
             answers and its version, snap docker under AppArmor, the cgroup version, and for each \
             mode a verdict: available, degraded (with what is missing) or unavailable."
        }
        "wrap-config" => {
            "Rewrites FILE \\(em a Claude Desktop or Cursor config (\\fBmcpServers\\fR object), a VS \
             Code config (\\fBservers\\fR or \\fBmcp.servers\\fR) or an mcpproxy config \
             (\\fBmcpServers\\fR list) \\(em so that every stdio server runs through mcpjail: its \
             command becomes mcpjail's absolute path, its args the given OPTIONS, \\fB\\-\\-env\\fR \
             for each of its env keys, \\fB\\-\\-\\fR, the original command and args. mcpproxy \
             servers get an \\fBisolation\\fR setting instead. Other keys, servers with a URL and \
             env values are kept; servers already wrapped get the new OPTIONS. With \
             \\fB\\-\\-server\\fR only that server is changed. The result goes to standard \
             output, or with \\fB\\-\\-write\\fR replaces FILE atomically after a copy is saved \
             as FILE.bak. \\fB\\-\\-unwrap\\fR restores the original commands."
        }
        _ => "",
    }
}

fn mode_text(mode: &str) -> &'static str {
    match mode {
        "docker" => {
            "Runs COMMAND in a container: \\fBdocker run \\-i \\-\\-rm \\-\\-init\\fR with the labels \
             \\fBmcpproxy.managed=true\\fR, \\fBmcpproxy.server\\fR and \\fBmcpproxy.owner\\fR, memory \
             and CPU limits, the network mode, bind mounts for \\fB\\-\\-ro\\fR and \\fB\\-\\-rw\\fR \
             and \\fB\\-e KEY\\fR for the environment (values never appear in argv). The image \
             follows COMMAND's runtime (node, python, go, ...) unless \\fB\\-\\-image\\fR names one. \
             mcpjail stays as a small supervisor: SIGTERM, SIGINT or SIGHUP stop the container \
             gracefully, then kill it after the stop timeout."
        }
        "sandbox" => {
            "Confines COMMAND in mcpjail's own process, then executes it (same pid, same stdio): \
             resource limits, no_new_privs, and a Landlock ruleset with read and execute access \
             beneath /, write access to the temporary directory, the package caches and every \
             \\fB\\-\\-rw\\fR path, TCP port rules where the kernel has them (Landlock ABI 4), and \
             from Landlock ABI 6 the scopes that keep the server from signalling or reaching \
             abstract unix sockets of processes outside it. Only a small allowlist of the \
             environment passes. \\fBmcpjail doctor\\fR shows what this kernel enforces."
        }
        "none" => "Executes COMMAND directly, confining nothing.",
        _ => "",
    }
}

/// Escape text for roff: backslashes, hyphens as minus signs, and a leading control character.
fn roff(text: &str) -> String {
    let s = esc(text);
    if s.starts_with('.') || s.starts_with('\'') {
        format!("\\&{s}")
    } else {
        s
    }
}

/// Escape text inside a line: backslashes, and hyphens as minus signs (copy-pasteable options).
fn esc(text: &str) -> String {
    text.replace('\\', "\\e").replace('-', "\\-")
}

/// `[OPTIONS] --server NAME`: words in capitals in italics, the rest in bold, brackets plain.
fn roff_usage(line: &str) -> String {
    let words: Vec<String> = line
        .split(' ')
        .map(|word| {
            let core_start = word.find(|c| c != '[').unwrap_or(word.len());
            let core_end = word.trim_end_matches(['.', ']']).len().max(core_start);
            let (pre, core, post) = (
                &word[..core_start],
                &word[core_start..core_end],
                &word[core_end..],
            );
            let font = if core.chars().any(|c| c.is_ascii_lowercase()) || core.starts_with('-') {
                "B"
            } else {
                "I"
            };
            let core = if core.is_empty() {
                String::new()
            } else {
                format!("\\f{font}{}\\fR", esc(core))
            };
            format!("{pre}{core}{}", esc(post))
        })
        .collect();
    words.join(" ")
}

fn man_synopsis(f: &Flag) -> String {
    let mut s = match f.short {
        Some(c) => format!("\\fB\\-{c}\\fR, \\fB\\-\\-{}\\fR", roff(f.long)),
        None => format!("\\fB\\-\\-{}\\fR", roff(f.long)),
    };
    if f.takes_value() {
        s.push_str(&format!(" \\fI{}\\fR", roff(f.value_name)));
    }
    s
}

pub fn man() -> String {
    let version = env!("CARGO_PKG_VERSION");
    let mut m = String::new();
    m.push_str(".\\\" Generated by `mcpjail --generate man` from the flag table; do not edit.\n");
    m.push_str(&format!(
        ".TH MCPJAIL 1 \"\" \"mcpjail {version}\" \"User Commands\"\n"
    ));
    m.push_str(&format!(".SH NAME\nmcpjail \\- {}\n", roff(ABOUT)));

    m.push_str(".SH SYNOPSIS\n.nf\n");
    for u in USAGE {
        m.push_str(&roff_usage(u));
        m.push('\n');
    }
    m.push_str(".fi\n");

    m.push_str(".SH DESCRIPTION\n");
    for (i, p) in DESCRIPTION.iter().enumerate() {
        if i > 0 {
            m.push_str(".PP\n");
        }
        m.push_str(p);
        m.push('\n');
    }
    m.push_str(".PP\nAfter \\fB\\-\\-\\fR, or from the first word of COMMAND on, every word belongs to COMMAND: \
                a server named \\fBexplain\\fR runs fine after \\fB\\-\\-\\fR.\n");

    m.push_str(".SH COMMANDS\n");
    for ((name, help), usage) in SUBCOMMANDS.iter().zip(USAGE.iter().skip(2)) {
        debug_assert!(usage.contains(name));
        m.push_str(&format!(
            ".TP\n{}\n{}.",
            roff_usage(usage),
            capitalise(&roff(help))
        ));
        let more = command_text(name);
        if !more.is_empty() {
            m.push_str(&format!(" {more}"));
        }
        m.push('\n');
    }

    m.push_str(".SH OPTIONS\n");
    for cat in Category::ORDER {
        let flags: Vec<&Flag> = FLAGS.iter().filter(|f| f.category == cat).collect();
        if flags.is_empty() {
            continue;
        }
        m.push_str(&format!(".SS {}\n", roff(cat.title())));
        for f in flags {
            m.push_str(&format!(".TP\n{}\n", man_synopsis(f)));
            let text = if f.long_help.is_empty() {
                f.help
            } else {
                f.long_help
            };
            let mut para = capitalise(&roff(text));
            if !para.ends_with('.') {
                para.push('.');
            }
            if !f.choices.is_empty() {
                para.push_str(&format!(" One of: {}.", roff(&f.choices.join(", "))));
            }
            if f.repeatable {
                para.push_str(" May be given more than once.");
            }
            m.push_str(&para);
            m.push('\n');
        }
    }

    m.push_str(".SH MODES\n");
    for mode in MODES {
        m.push_str(&format!(
            ".TP\n\\fB{}\\fR\n{}\n",
            roff(mode),
            mode_text(mode)
        ));
    }

    m.push_str(".SH EXIT STATUS\n");
    for (code, meaning) in EXIT_STATUS {
        m.push_str(&format!(
            ".TP\n\\fB{}\\fR\n{}.\n",
            roff(code),
            capitalise(&roff(meaning))
        ));
    }
    m.push_str(".PP\nOn any error mcpjail prints one line, \\fBmcpjail: error: \\fR..., on standard error.\n");

    m.push_str(
        ".SH ENVIRONMENT\n\
         .TP\n\\fBMCPJAIL_LOG\\fR\n\
         Standard error log level (\\fBoff\\fR, \\fBerror\\fR, \\fBwarn\\fR, \\fBinfo\\fR, \\fBdebug\\fR, \
         \\fBtrace\\fR) when no \\fB\\-\\-log\\-level\\fR, \\fB\\-v\\fR or \\fB\\-q\\fR is given, \
         or a level per module in env_logger's syntax (\\fBmcpjail::sandbox=debug\\fR). \
         Variables named \\fBMCPJAIL_*\\fR never reach the server.\n\
         .TP\n\\fBDOCKER_HOST\\fR\n\
         The docker daemon to use, as for \\fBdocker\\fR(1).\n",
    );
    m.push_str(
        ".SH FILES\n\
         .TP\n\\fI~/.mcpproxy/mcp_config.json\\fR\n\
         mcpproxy's config, read when \\fB\\-\\-server\\fR is given without \\fB\\-\\-config\\fR.\n",
    );
    m.push_str(".SH EXAMPLES\n");
    for (what, cmd) in EXAMPLES {
        m.push_str(&format!(
            ".PP\n{}\n.PP\n.RS\n.nf\n{}\n.fi\n.RE\n",
            capitalise(&roff(what)),
            roff(cmd)
        ));
    }
    m.push_str(
        ".SH SEE ALSO\n\
         \\fBbwrap\\fR(1), \\fBfirejail\\fR(1), \\fBdocker\\-run\\fR(1), \\fBlandlock\\fR(7), \\fBseccomp\\fR(2)\n",
    );
    m
}

const EXAMPLES: &[(&str, &str)] = &[
    (
        "run a filesystem server in the sandbox, writable only in its directory:",
        "mcpjail --mode sandbox --rw ~/notes -- npx -y @modelcontextprotocol/server-filesystem ~/notes",
    ),
    (
        "run a Python server in a container without network:",
        "mcpjail --mode docker --network none -- uvx mcp-server-git",
    ),
    (
        "show what would run, and what is enforced, without running it:",
        "mcpjail explain --mode sandbox -- node server.js",
    ),
    (
        "run server \"github\" of mcpproxy's config with its isolation settings:",
        "mcpjail --server github",
    ),
    ("see what this host can enforce:", "mcpjail doctor"),
    (
        "put mcpjail in front of every stdio server of Claude Desktop's config:",
        "mcpjail wrap-config ~/.config/Claude/claude_desktop_config.json --mode sandbox --write",
    ),
];

/// Capitalise a help text for the man page, unless it starts with a name (`mcpproxy …`,
/// `wrap-config: …`, `doctor, ps: …`) that is spelt in lower case.
fn capitalise(s: &str) -> String {
    let first = s
        .split([' ', ':', ','])
        .next()
        .unwrap_or("")
        .replace("\\-", "-");
    if first.starts_with("mcp") || SUBCOMMANDS.iter().any(|(n, _)| *n == first) {
        return s.to_string();
    }
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

// ---- bash ---------------------------------------------------------------------------------

fn bash_value_action(f: &Flag) -> String {
    if !f.choices.is_empty() {
        return format!(
            "COMPREPLY=($(compgen -W '{}' -- \"$cur\"))",
            f.choices.join(" ")
        );
    }
    match f.value {
        Value::Path | Value::File => {
            "compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\"))".into()
        }
        _ => "COMPREPLY=()".into(),
    }
}

pub fn bash() -> String {
    let mut b = String::new();
    b.push_str("# bash completion for mcpjail.\n");
    b.push_str("# Generated by `mcpjail --generate bash` from the flag table; do not edit.\n\n");

    // The scan: which command line the cursor is in (run, a subcommand, COMMAND's words).
    b.push_str("_mcpjail() {\n");
    b.push_str("    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n");
    b.push_str("    # `--opt=value`: COMP_WORDBREAKS splits at `=`.\n");
    b.push_str("    if [[ $cur == = ]]; then cur=\"\"; elif [[ $prev == = ]]; then prev=${COMP_WORDS[COMP_CWORD-2]}; fi\n");
    b.push_str(&format!(
        "    [[ $prev =~ {} ]] && prev=-${{prev: -1}}\n",
        cluster_regex()
    ));
    b.push_str("    local state=run have_file=0 skip=0 i w\n");
    b.push_str("    for ((i = 1; i < COMP_CWORD; i++)); do\n");
    b.push_str("        w=${COMP_WORDS[i]}\n");
    b.push_str("        if [[ $w == = ]]; then skip=1; continue; fi\n");
    b.push_str("        if ((skip)); then skip=0; continue; fi\n");
    b.push_str("        case $w in\n");
    b.push_str("            --) _mcpjail_command $((i + 1)); return ;;\n");
    b.push_str(&format!(
        "            {}) skip=1 ;;\n",
        value_words().join("|")
    ));
    b.push_str(&format!(
        "            -*) [[ $w =~ {} ]] && skip=1 ;;\n",
        cluster_regex()
    ));
    b.push_str("            *)\n");
    b.push_str("                case $state in\n");
    b.push_str(&format!(
        "                    run) case $w in {}) state=$w ;; *) _mcpjail_command $i; return ;; esac ;;\n",
        subcommand_names().join("|")
    ));
    b.push_str("                    explain) _mcpjail_command $i; return ;;\n");
    b.push_str("                    wrap-config) have_file=1 ;;\n");
    b.push_str("                esac ;;\n");
    b.push_str("        esac\n");
    b.push_str("    done\n\n");

    b.push_str("    case $prev in\n");
    for f in FLAGS.iter().filter(|f| f.takes_value()) {
        let mut words = format!("--{}", f.long);
        if let Some(c) = f.short {
            words.push_str(&format!("|-{c}"));
        }
        b.push_str(&format!(
            "        {words}) {}; return ;;\n",
            bash_value_action(f)
        ));
    }
    b.push_str("    esac\n\n");

    b.push_str("    local opts\n");
    b.push_str("    case $state in\n");
    for (state, _) in STATES {
        let opts: Vec<String> = FLAGS
            .iter()
            .filter(|f| states_of(f).contains(state))
            .flat_map(|f| {
                let long = if f.takes_value() {
                    format!("--{}=", f.long)
                } else {
                    format!("--{}", f.long)
                };
                let long = std::iter::once(long);
                long.chain(f.short.map(|c| format!("-{c}")))
            })
            .collect();
        b.push_str(&format!("        {state}) opts='{}' ;;\n", opts.join(" ")));
    }
    b.push_str("    esac\n");
    b.push_str("    if [[ $cur == -* ]]; then\n");
    b.push_str("        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n");
    b.push_str("        [[ ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null\n");
    b.push_str("        return\n");
    b.push_str("    fi\n");
    b.push_str("    case $state in\n");
    b.push_str(&format!(
        "        run) COMPREPLY=($(compgen -W '{}' -- \"$cur\") $(compgen -c -- \"$cur\")) ;;\n",
        subcommand_names().join(" ")
    ));
    b.push_str("        explain) COMPREPLY=($(compgen -c -- \"$cur\")) ;;\n");
    b.push_str(
        "        wrap-config) ((have_file)) || { compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\")); } ;;\n",
    );
    b.push_str("        *) COMPREPLY=() ;;\n");
    b.push_str("    esac\n");
    b.push_str("}\n\n");

    b.push_str("# COMMAND starts at word $1: complete it like a command line of its own.\n");
    b.push_str("_mcpjail_command() {\n");
    b.push_str("    if declare -F _command_offset >/dev/null; then\n");
    b.push_str("        _command_offset \"$1\"\n");
    b.push_str("    elif ((COMP_CWORD == $1)); then\n");
    b.push_str("        COMPREPLY=($(compgen -c -- \"${COMP_WORDS[COMP_CWORD]}\"))\n");
    b.push_str("    else\n");
    b.push_str("        compopt -o default 2>/dev/null\n");
    b.push_str("        COMPREPLY=()\n");
    b.push_str("    fi\n");
    b.push_str("}\n\n");
    b.push_str("complete -F _mcpjail mcpjail\n");
    b
}

// ---- zsh ----------------------------------------------------------------------------------

/// Text inside `[...]` or a message of an `_arguments` spec, inside single quotes.
fn zsh_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '\\' | '[' | ']' | ':' => {
                out.push('\\');
                out.push(c);
            }
            '\'' => out.push_str("'\\''"),
            _ => out.push(c),
        }
    }
    out
}

fn zsh_spec(f: &Flag) -> String {
    let help = format!("[{}]", zsh_escape(f.help));
    let value = if f.takes_value() {
        let action = if !f.choices.is_empty() {
            format!("({})", f.choices.join(" "))
        } else {
            match f.value {
                Value::Path | Value::File => "_files".into(),
                _ => " ".into(),
            }
        };
        format!(":{}:{action}", zsh_escape(f.value_name))
    } else {
        String::new()
    };
    let (long_suffix, short_suffix) = if f.takes_value() {
        ("=", "+")
    } else {
        ("", "")
    };
    match f.short {
        Some(c) => {
            let exclusion = if f.repeatable {
                "'*'".to_string()
            } else {
                format!("'(-{c} --{})'", f.long)
            };
            format!(
                "{exclusion}{{-{c}{short_suffix},--{}{long_suffix}}}'{help}{value}'",
                f.long
            )
        }
        None => {
            let star = if f.repeatable { "*" } else { "" };
            format!("'{star}--{}{long_suffix}{help}{value}'", f.long)
        }
    }
}

pub fn zsh() -> String {
    let mut z = String::new();
    z.push_str("#compdef mcpjail\n");
    z.push_str("# zsh completion for mcpjail.\n");
    z.push_str("# Generated by `mcpjail --generate zsh` from the flag table; do not edit.\n\n");
    z.push_str("_mcpjail() {\n");
    z.push_str("  local curcontext=$curcontext state state_descr line ret=1\n");
    z.push_str("  typeset -A opt_args\n");
    for (state, _) in STATES.iter().filter(|(s, _)| *s != "explain") {
        let var = state.replace('-', "_");
        z.push_str(&format!("  local -a {var}_opts=(\n"));
        for f in FLAGS.iter().filter(|f| states_of(f).contains(state)) {
            z.push_str(&format!("    {}\n", zsh_spec(f)));
        }
        z.push_str("  )\n");
    }
    z.push_str("  local -a subcommands=(\n");
    for (name, help) in SUBCOMMANDS {
        z.push_str(&format!(
            "    '{}:{}'\n",
            zsh_escape(name),
            zsh_escape(help)
        ));
    }
    z.push_str("  )\n\n");
    z.push_str("  _arguments -C -s -S -A '-*' : $run_opts \\\n");
    z.push_str("    '(-)1: :->first' \\\n");
    z.push_str("    '(-)*:: :->rest' && return 0\n\n");
    z.push_str("  case $state in\n");
    z.push_str("    first)\n");
    z.push_str("      # After `--` the first word is COMMAND, never a subcommand.\n");
    z.push_str("      if (( ${words[(I)--]} && ${words[(I)--]} < CURRENT )); then\n");
    z.push_str("        _command_names -e && ret=0\n");
    z.push_str("      else\n");
    z.push_str("        _alternative 'subcommands:subcommand:(( $subcommands ))' 'commands:command:_command_names -e' && ret=0\n");
    z.push_str("      fi\n");
    z.push_str("      ;;\n");
    z.push_str("    rest)\n");
    z.push_str("      curcontext=${curcontext%:*:*}:mcpjail-$words[1]:\n");
    z.push_str("      case $words[1] in\n");
    z.push_str("        explain) _arguments -s -S -A '-*' : $run_opts '(-)1:command:_command_names -e' '(-)*:: :_normal' && ret=0 ;;\n");
    z.push_str("        doctor) _arguments -s -S : $doctor_opts && ret=0 ;;\n");
    z.push_str("        ps) _arguments -s -S : $ps_opts && ret=0 ;;\n");
    z.push_str("        cleanup) _arguments -s -S : $cleanup_opts && ret=0 ;;\n");
    z.push_str("        wrap-config) _arguments -s -S : $wrap_config_opts '1:client config file:_files' && ret=0 ;;\n");
    z.push_str("        *) _normal && ret=0 ;;  # COMMAND's own arguments\n");
    z.push_str("      esac\n");
    z.push_str("      ;;\n");
    z.push_str("  esac\n");
    z.push_str("  return ret\n");
    z.push_str("}\n\n");
    z.push_str("_mcpjail \"$@\"\n");
    z
}

// ---- fish ---------------------------------------------------------------------------------

fn fish_quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

pub fn fish() -> String {
    let mut f = String::new();
    f.push_str("# fish completion for mcpjail.\n");
    f.push_str("# Generated by `mcpjail --generate fish` from the flag table; do not edit.\n\n");

    f.push_str("# Where the cursor is: the subcommand (`run` before any), plus `value` when the last word\n");
    f.push_str(
        "# is an option that takes a value and `file` while wrap-config's FILE is missing; or\n",
    );
    f.push_str("# `command N` when the cursor is in COMMAND's words, which start at word N.\n");
    f.push_str("function __mcpjail_state\n");
    f.push_str("    set -l words (commandline -opc)\n");
    f.push_str("    set -l state run\n");
    f.push_str("    set -l skip 0\n");
    f.push_str("    set -l have_file 0\n");
    f.push_str("    for i in (seq 2 (count $words))\n");
    f.push_str("        set -l w $words[$i]\n");
    f.push_str("        if test $skip = 1\n");
    f.push_str("            set skip 0\n");
    f.push_str("            continue\n");
    f.push_str("        end\n");
    f.push_str("        switch $w\n");
    f.push_str("            case --\n");
    f.push_str("                echo command\n");
    f.push_str("                math $i + 1\n");
    f.push_str("                return\n");
    f.push_str(&format!("            case {}\n", value_words().join(" ")));
    f.push_str("                set skip 1\n");
    f.push_str("            case '-*'\n");
    f.push_str(&format!(
        "                string match -qr -- {} $w; and set skip 1\n",
        fish_quote(&cluster_regex())
    ));
    f.push_str("            case '*'\n");
    f.push_str("                switch $state\n");
    f.push_str("                    case run\n");
    f.push_str(&format!(
        "                        if contains -- $w {}\n",
        subcommand_names().join(" ")
    ));
    f.push_str("                            set state $w\n");
    f.push_str("                        else\n");
    f.push_str("                            echo command\n");
    f.push_str("                            echo $i\n");
    f.push_str("                            return\n");
    f.push_str("                        end\n");
    f.push_str("                    case explain\n");
    f.push_str("                        echo command\n");
    f.push_str("                        echo $i\n");
    f.push_str("                        return\n");
    f.push_str("                    case wrap-config\n");
    f.push_str("                        set have_file 1\n");
    f.push_str("                end\n");
    f.push_str("        end\n");
    f.push_str("    end\n");
    f.push_str("    echo $state\n");
    f.push_str("    test $skip = 1; and echo value\n");
    f.push_str("    test $state = wrap-config -a $have_file = 0; and echo file\n");
    f.push_str("end\n\n");

    f.push_str("# True when the cursor is in one of the given states.\n");
    f.push_str("function __mcpjail_is\n");
    f.push_str("    set -l state (__mcpjail_state)\n");
    f.push_str("    for s in $argv\n");
    f.push_str("        contains -- $s $state; and return 0\n");
    f.push_str("    end\n");
    f.push_str("    return 1\n");
    f.push_str("end\n\n");

    f.push_str(
        "# True when the cursor is on a plain word (not an option's value) in one of the states.\n",
    );
    f.push_str("function __mcpjail_word\n");
    f.push_str("    set -l state (__mcpjail_state)\n");
    f.push_str("    contains -- value $state; and return 1\n");
    f.push_str("    for s in $argv\n");
    f.push_str("        contains -- $s $state; and return 0\n");
    f.push_str("    end\n");
    f.push_str("    return 1\n");
    f.push_str("end\n\n");

    f.push_str("# Complete COMMAND's words like a command line of its own.\n");
    f.push_str("function __mcpjail_complete_command\n");
    f.push_str("    set -l state (__mcpjail_state)\n");
    f.push_str("    set -l words (commandline -opc)\n");
    f.push_str("    set -l rest\n");
    f.push_str("    if test (count $words) -ge $state[2]\n");
    f.push_str("        set rest (string escape -- $words[$state[2]..-1])\n");
    f.push_str("    end\n");
    f.push_str("    complete -C (string join -- ' ' $rest (commandline -ct))\n");
    f.push_str("end\n\n");

    f.push_str("complete -c mcpjail -f\n");
    f.push_str(
        "complete -c mcpjail -n '__mcpjail_is command' -f -a '(__mcpjail_complete_command)'\n",
    );
    for (name, help) in SUBCOMMANDS {
        f.push_str(&format!(
            "complete -c mcpjail -n '__mcpjail_word run' -f -a {name} -d {}\n",
            fish_quote(help)
        ));
    }
    f.push_str(
        "complete -c mcpjail -n '__mcpjail_word run explain' -f -a '(__fish_complete_command)'\n",
    );
    f.push_str("complete -c mcpjail -n '__mcpjail_word file' -F\n");
    for flag in FLAGS {
        let states = states_of(flag).join(" ");
        let mut line = format!("complete -c mcpjail -n '__mcpjail_is {states}'");
        if let Some(c) = flag.short {
            line.push_str(&format!(" -s {c}"));
        }
        line.push_str(&format!(" -l {}", flag.long));
        if flag.takes_value() {
            if !flag.choices.is_empty() {
                line.push_str(&format!(" -x -a {}", fish_quote(&flag.choices.join(" "))));
            } else {
                match flag.value {
                    Value::Path | Value::File => line.push_str(" -r -F"),
                    _ => line.push_str(" -x"),
                }
            }
        }
        line.push_str(&format!(" -d {}", fish_quote(flag.help)));
        f.push_str(&line);
        f.push('\n');
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mode_has_man_text() {
        for m in MODES {
            assert!(!mode_text(m).is_empty(), "{m}");
        }
    }

    #[test]
    fn every_generate_kind_generates() {
        for kind in flags::GENERATE {
            assert!(generate(kind).is_ok(), "{kind}");
        }
    }

    #[test]
    fn usage_lines_line_up_with_subcommands() {
        for ((name, _), usage) in SUBCOMMANDS.iter().zip(USAGE.iter().skip(2)) {
            assert!(usage.starts_with(&format!("mcpjail {name} ")), "{usage}");
        }
    }

    #[test]
    fn roff_escapes() {
        assert_eq!(roff("--mode"), "\\-\\-mode");
        assert_eq!(roff(".x"), "\\&.x");
        assert_eq!(roff("a\\b"), "a\\eb");
        assert_eq!(
            roff_usage("mcpjail [OPTIONS] --server NAME"),
            "\\fBmcpjail\\fR [\\fIOPTIONS\\fR] \\fB\\-\\-server\\fR \\fINAME\\fR"
        );
        assert_eq!(roff_usage("[ARG...]"), "[\\fIARG\\fR...]");
    }

    #[test]
    fn zsh_specs() {
        let mode = flags::by_long("mode").unwrap();
        let spec = zsh_spec(mode);
        assert!(spec.starts_with("'(-m --mode)'{-m+,--mode=}'["), "{spec}");
        assert!(spec.ends_with("]:MODE:(docker sandbox none)'"), "{spec}");
        assert!(zsh_escape("a: [b]").ends_with("a\\: \\[b\\]"));
        let rw = flags::by_long("rw").unwrap();
        assert!(zsh_spec(rw).starts_with("'*--rw=["), "{}", zsh_spec(rw));
        assert!(zsh_spec(rw).ends_with(":PATH:_files'"));
    }
}
