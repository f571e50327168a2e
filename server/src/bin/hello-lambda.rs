//! A bare `lambda_http` hello world, built with the same profile and target
//! as `lambda-api`: the baseline the figures benchmark
//! (benches/lambda_figures.rs) and `scripts/package-lambdas.sh` compare the
//! API Lambda's cold start, memory and package size against. Not deployed
//! (only `lambda-*` binaries are).

use lambda_http::{service_fn, Body, Error, Request, Response};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_http::run(service_fn(|_req: Request| async {
        Response::builder()
            .status(200)
            .header("content-type", "text/plain")
            .body(Body::from("hello"))
            .map_err(Error::from)
    }))
    .await
}
