//! Sandbox mode: rlimits, no_new_privs and Landlock applied in-process, then execve.
//! (Placeholder until the sandbox issue lands: plans, explains, refuses to run.)

use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::plan::{Plan, Request};

/// Whether this build can confine at all (Landlock is Linux-only).
pub const SUPPORTED: bool = cfg!(target_os = "linux");

#[derive(Debug, Clone, Default)]
pub struct SandboxPlan {}

impl SandboxPlan {
    pub fn to_json(&self) -> Value {
        json!({ "status": "not implemented yet" })
    }
}

pub fn plan(req: &Request, plan: &mut Plan) -> Result<()> {
    let _ = req;
    plan.sandbox = Some(SandboxPlan {});
    plan.failure = Some(Error::new("sandbox mode is not implemented yet; not running the command unconfined"));
    Ok(())
}

/// Apply the confinement and exec; returns only on failure.
pub fn exec(plan: &Plan) -> Error {
    let _ = plan;
    Error::new("sandbox mode is not implemented yet")
}
