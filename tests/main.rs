//! The workspace-level integration tests: one test binary (each former test file is a
//! module), so burn is linked once. They run the real experiment binaries headless
//! (`CARGO_BIN_EXE_*`) and check what they print and write.
//!
//! Run one file's tests with a filter: `cargo test --test main -- xor_cli::`.

mod common;
mod devices;
mod kmeans_cli;
mod lcd_cli;
mod linreg_cli;
mod mnist_cli;
mod mnist_resume;
mod reverse_cli;
mod runs_cli;
mod serve;
mod signals;
mod svm_cli;
mod tensorboard;
mod weights;
mod xor_cli;
mod xor_cross_backend;
mod xor_resume;
mod zoo_cli;
