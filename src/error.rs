//! Errors are values: a message with its context and the exit status it maps to.
//! `main` turns one into a single `mcpjail: error: …` line on stderr.

use std::fmt;

/// mcpjail itself failed: bad flags, bad config, confinement that cannot be applied.
pub const EXIT_FAILURE: i32 = 125;
/// COMMAND was found but cannot be executed.
pub const EXIT_CANNOT_EXECUTE: i32 = 126;
/// COMMAND was not found.
pub const EXIT_NOT_FOUND: i32 = 127;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub message: String,
    pub exit: i32,
}

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            exit: EXIT_FAILURE,
        }
    }

    pub fn with_exit(mut self, exit: i32) -> Self {
        self.exit = exit;
        self
    }

    /// Print the error the way every failure of mcpjail is printed: one line, hints inside it.
    pub fn report(&self) {
        eprintln!("{}", self.line());
    }

    /// The line `report` prints.
    pub fn line(&self) -> String {
        format!("mcpjail: error: {}", one_line(&self.message))
    }
}

/// Messages quote what the user gave (paths, config values, server names), and those may hold
/// a newline: escaped, so that a failure stays one line for a client that shows stderr line by
/// line, and a quoted value cannot forge a line of its own.
pub fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(char::is_control) {
        return text.into();
    }
    text.chars()
        .flat_map(|c| {
            let escaped = c.is_control().then(|| c.escape_default());
            let plain = (!c.is_control()).then_some(c);
            escaped.into_iter().flatten().chain(plain)
        })
        .collect::<String>()
        .into()
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// `return Err(Error::new(format!(…)))`, shortened.
macro_rules! bail {
    ($($arg:tt)*) => { return Err($crate::error::Error::new(format!($($arg)*))) };
}
pub(crate) use bail;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reported_errors_are_one_line() {
        // found by fuzzing the config parser: a value with a newline, quoted in the message
        let e = Error::new("--rw /x\nmcpjail: error: forged: no such file or directory");
        assert_eq!(
            e.line(),
            "mcpjail: error: --rw /x\\nmcpjail: error: forged: no such file or directory"
        );
        assert_eq!(
            one_line("tab\there\r\u{1b}[31m"),
            "tab\\there\\r\\u{1b}[31m"
        );
        assert_eq!(one_line("plain, ünïcode"), "plain, ünïcode");
    }
}
