//! Live experiment tracking.

mod live;
pub mod mlflow;

pub(crate) use live::artifacts;
pub use live::{Ending, MlflowTarget, Tracking, mlflow_params};
