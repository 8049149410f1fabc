//! `GET /hello/{name}`: a Lambda function written with AWS's `lambda_http`, unchanged from what
//! would run on AWS.

use lambda_http::{Body, Error, Request, RequestExt, Response, run, service_fn};

async fn hello(request: Request) -> Result<Response<Body>, Error> {
    let name = request
        .path_parameters()
        .first("name")
        .unwrap_or("world")
        .to_owned();
    let body = serde_json::json!({
        "message": format!("Hello, {name}!"),
        "from": "rust",
    });
    Ok(Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(Body::Text(body.to_string()))?)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(hello)).await
}
