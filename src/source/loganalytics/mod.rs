//! Log Analytics as a source (FORMATS.md §7): the KQL sent ([`kql`]), one query with retries ([`client`]),
//! time slices under the service's limits ([`slices`]), and a complete fetch with its gaps ([`fetch`]).
//! Answers are Query API bodies, which the file loader already reads — a live fetch and a saved one load the
//! same way.

mod answer;
pub mod client;
pub mod fetch;
pub mod follow;
pub mod kql;
pub mod live;
pub mod pivots;
pub mod slices;
