//! Why a linear SVM cannot be built or cannot take some data.

/// Why a linear SVM cannot be built, or cannot take some data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SvmError {
    /// λ must be a finite number ≥ 0.
    #[error("lambda (the L2 penalty) must be a finite number >= 0, got {0}")]
    BadLambda(f64),
    /// The model needs at least one input feature.
    #[error("a linear SVM needs at least 1 input feature, got 0")]
    NoInputs,
    /// Fewer than two classes.
    #[error("a linear SVM needs at least 2 classes, got {0}")]
    TooFewClasses(usize),
    /// A label outside `0..classes` (for a binary SVM: not 0 or 1).
    #[error("label {label} at index {index} is not a class of this SVM (expected {expected})")]
    BadLabel {
        /// Position of the offending label.
        index: usize,
        /// Its value.
        label: i64,
        /// What was expected, e.g. `0 or 1`.
        expected: String,
    },
    /// The data's feature count differs from the model's.
    #[error("the data has {got} features per row but the model was built for {expected}")]
    DimensionMismatch {
        /// Features the model takes.
        expected: usize,
        /// Features in the data.
        got: usize,
    },
    /// Inputs and targets disagree on the number of rows.
    #[error("{inputs} input rows but {targets} targets")]
    LengthMismatch {
        /// Input rows.
        inputs: usize,
        /// Targets.
        targets: usize,
    },
}

/// Checks that every label is a class of an SVM with `classes` classes.
pub(super) fn check_labels(
    classes: usize,
    labels: impl Iterator<Item = i64>,
) -> Result<(), SvmError> {
    for (index, label) in labels.enumerate() {
        if !(0..classes as i64).contains(&label) {
            let expected = if classes == 2 {
                "0 or 1".to_string()
            } else {
                format!("a class in 0..={}", classes - 1)
            };
            return Err(SvmError::BadLabel {
                index,
                label,
                expected,
            });
        }
    }
    Ok(())
}
