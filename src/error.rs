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
        Error { message: message.into(), exit: EXIT_FAILURE }
    }

    pub fn with_exit(mut self, exit: i32) -> Self {
        self.exit = exit;
        self
    }

    /// Print the error the way every failure of mcpjail is printed: one line, hints inside it.
    pub fn report(&self) {
        eprintln!("mcpjail: error: {}", self.message);
    }
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
