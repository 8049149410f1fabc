//! The management API as AWS's own SDK (`aws-sdk-apigateway`) sees it, against a real `tollgate
//! serve`: one module per group of operations, and what the data plane makes of them.

mod aws_cli;
#[path = "../common/mod.rs"]
mod common;
mod documentation;
mod domains;
mod keys;
mod misc;
mod models;
mod one_path;
mod quotas;
mod restapis;
mod round_trip;
mod sdk;
mod stages;
mod test_invoke;
