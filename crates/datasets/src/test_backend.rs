//! The one backend the unit tests of this crate run on, chosen here and nowhere else.
//!
//! `NdArray` is the zoo's default CPU backend (see the `experiments` crate). The
//! batchers are generic over the backend; the tests only need one to build tensors on.

/// The backend of the unit tests.
pub type TestBackend = burn::backend::NdArray;
