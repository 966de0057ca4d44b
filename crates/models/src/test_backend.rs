//! The one backend the unit tests of this crate run on, chosen here and nowhere else.
//!
//! `Flex` is the zoo's default CPU backend (see the `experiments` crate), so the
//! unit tests exercise the models on the backend most runs use. Changing the backend
//! of every unit test is a one-line change here (and the matching feature of `burn`
//! in this crate's `[dev-dependencies]`).

/// The backend of the unit tests.
pub type TestBackend = burn::backend::Flex;

/// [`TestBackend`] with automatic differentiation, for tests of gradients and
/// training steps.
pub type TestAutodiffBackend = burn::backend::Autodiff<TestBackend>;
