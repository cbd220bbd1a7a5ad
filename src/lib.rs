//! mcpjail as a library: everything but the process entry point, so that fuzz targets and
//! property tests can drive the same parsers and planners the binary uses.

pub mod cli;
pub mod config;
pub mod docker;
pub mod doctor;
pub mod env;
pub mod error;
pub mod exec;
pub mod logging;
pub mod mode;
pub mod plan;
pub mod sandbox;
pub mod units;
pub mod wrap_config;
