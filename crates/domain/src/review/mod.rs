//! The owner's review of regulars: each customer's rhythm against their own
//! usual gap (`rhythm`), and the shop-wide BG/NBD model behind P(alive) and
//! the expected visits (`bgnbd`), with the special functions and the
//! optimiser it needs (`special`, `nelder_mead`).

pub mod bgnbd;
pub mod nelder_mead;
pub mod rhythm;
pub mod special;
