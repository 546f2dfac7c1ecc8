//! The multi-step work.
