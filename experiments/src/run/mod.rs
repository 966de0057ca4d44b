//! Run directories: what each run records about itself (see `RUNS-SPEC.md`).

pub mod record;
