//! kvtrail: who accessed this Key Vault, from where, and what did they take?

pub mod generate;
