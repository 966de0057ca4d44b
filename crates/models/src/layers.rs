//! Checks shared by the multi-layer perceptrons.

/// A layer that would have no units.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{layer} must have at least one unit, got 0")]
pub struct EmptyLayer {
    /// Which layer: "the input", "hidden layer 2", "the output".
    pub layer: String,
}

/// Checks that the input, every hidden layer and the output have at least one unit.
pub fn check_widths(inputs: usize, hidden: &[usize], outputs: usize) -> Result<(), EmptyLayer> {
    let empty = |layer: String| Err(EmptyLayer { layer });
    if inputs == 0 {
        return empty("the input".into());
    }
    if let Some(i) = hidden.iter().position(|&w| w == 0) {
        return empty(format!("hidden layer {}", i + 1));
    }
    if outputs == 0 {
        return empty("the output".into());
    }
    Ok(())
}
