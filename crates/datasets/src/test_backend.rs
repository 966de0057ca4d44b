//! The one backend the unit tests of this crate run on, chosen here and nowhere else.
//!
//! `NdArray`: the batchers are generic over the backend, and the tests only need one
//! to build tensors on. (The zoo's default backend is Flex; see the `experiments`
//! crate.)

/// The backend of the unit tests.
pub type TestBackend = burn::backend::NdArray;
