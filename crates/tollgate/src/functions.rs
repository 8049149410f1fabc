//! The function host as the data plane sees it: Lambda integrations invoke through this.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use tollgate_engine::{FunctionOutput, Functions};
use tollgate_lambda::{FunctionHost, Invocation, Invoke};

/// Adapts the embedded function host to the engine's [`Functions`].
pub struct HostFunctions(pub Arc<FunctionHost>);

#[async_trait]
impl Functions for HostFunctions {
    async fn invoke(
        &self,
        function: &str,
        payload: Bytes,
        trace_id: &str,
    ) -> Result<FunctionOutput, String> {
        let invocation = Invocation {
            payload,
            trace_id: Some(trace_id.to_owned()),
            ..Invocation::default()
        };
        match self.0.invoke(function, invocation).await {
            Ok(result) => Ok(FunctionOutput {
                payload: result.payload,
                function_error: result.function_error.is_some(),
            }),
            Err(e) => Err(e.to_string()),
        }
    }
}
