//! Docker mode: `docker run -i --rm …` built from the plan, run and supervised.
//! (Placeholder until the docker issue lands: plans, explains, refuses to run.)

use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::plan::{Plan, Request};

#[derive(Debug, Clone, Default)]
pub struct DockerPlan {}

impl DockerPlan {
    pub fn to_json(&self) -> Value {
        json!({ "status": "not implemented yet" })
    }
}

pub fn plan(req: &Request, plan: &mut Plan) -> Result<()> {
    let _ = req;
    plan.docker = Some(DockerPlan {});
    plan.failure = Some(Error::new("docker mode is not implemented yet; not running the command unconfined"));
    Ok(())
}

/// Run the container under supervision; returns the exit status for mcpjail.
pub fn run(plan: &Plan) -> Result<i32> {
    let _ = plan;
    Err(Error::new("docker mode is not implemented yet"))
}
