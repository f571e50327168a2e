//! The API Lambda's export bucket: an export past the response limit is
//! written to S3 and the admin gets a presigned link to it.
//!
//! Plain SigV4-signed requests (`aws-sigv4`) on the SDK's own HTTPS
//! connector, both already linked into the function, rather than
//! `aws-sdk-s3`, which would push the API zip past its 5 MB budget. Four
//! S3 operations are needed (PutObject, and CreateMultipartUpload,
//! UploadPart and CompleteMultipartUpload for files of more than one part)
//! plus presigning a GetObject; each is checked against the function's
//! declared permissions like its SDK calls are.
//!
//! What the bucket must provide, and Terraform gives it
//! (`terraform/modules/exports`): objects expire after a day, and so do
//! the parts of an upload that never completed (a failed export is not
//! cleaned up here, so the function needs no `s3:AbortMultipartUpload`).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use app::export::{ExportBucket, FileChunks};
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest,
    SignatureLocation, SigningInstructions, SigningSettings, UriPathNormalizationMode,
};
use aws_smithy_runtime_api::client::http::HttpConnector;
use aws_smithy_types::body::SdkBody;
use bytes::Bytes;
use futures::future::BoxFuture;
use store::Permissions;

/// How long a download link works. The browser follows it at once (it is
/// the export's redirect), so minutes are plenty and a leaked link soon
/// stops working.
pub const LINK_LIFETIME: Duration = Duration::from_secs(300);

/// The size of each part of a multipart upload, and so the most the
/// function holds of an export at once. S3 needs at least 5 MiB for every
/// part but the last; a file smaller than one part is one PutObject.
pub const PART_SIZE: usize = 8 * 1024 * 1024;

/// How many times one S3 request is tried. S3 answers 503 SlowDown (and
/// now and then 500) under load and asks clients to retry with backoff;
/// an export holds one part at a time, so a retry resends only that.
const ATTEMPTS: u32 = 3;

/// The wait before the first retry; it doubles before each next one.
const RETRY_BASE: Duration = Duration::from_millis(200);

/// Why an export could not be stored. Logged; the admin sees an internal
/// error.
#[derive(Debug, thiserror::Error)]
pub enum S3Error {
    #[error("no AWS credentials: {0}")]
    Credentials(String),
    #[error("signing {0}: {1}")]
    Signing(&'static str, String),
    #[error("{0}: {1}")]
    Connection(&'static str, String),
    #[error("{operation} answered {status}: {body}")]
    Refused {
        operation: &'static str,
        status: u16,
        body: String,
    },
    #[error("{0} answered without {1}")]
    Malformed(&'static str, &'static str),
    #[error(transparent)]
    Undeclared(#[from] store::permissions::Undeclared),
    #[error("reading the export: {0}")]
    Read(#[from] std::io::Error),
}

impl S3Error {
    /// A failure S3 says to retry (its 5xx), or a connection that failed.
    fn is_transient(&self) -> bool {
        match self {
            S3Error::Connection(..) => true,
            S3Error::Refused { status, .. } => matches!(status, 500 | 502 | 503 | 504),
            _ => false,
        }
    }
}

/// A private bucket the function writes exports to and presigns links
/// into.
pub struct S3Exports {
    connector: Arc<dyn HttpConnector>,
    credentials: SharedCredentialsProvider,
    region: String,
    bucket: String,
    /// `AWS_ENDPOINT_URL` (moto in tests): objects are then addressed by
    /// path, `<endpoint>/<bucket>/<key>`; on AWS by virtual host,
    /// `https://<bucket>.s3.<region>.amazonaws.com/<key>`.
    endpoint: Option<String>,
    permissions: Permissions,
    retry_base: Duration,
}

impl std::fmt::Debug for S3Exports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Exports")
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

/// A reply from S3, read whole (they are small: XML or nothing).
struct Reply {
    status: u16,
    etag: Option<String>,
    body: Bytes,
}

impl S3Exports {
    /// The bucket `bucket`, reached with the credentials, region and
    /// endpoint of `sdk`, allowed what `permissions` declares.
    pub fn new(
        sdk: &aws_config::SdkConfig,
        bucket: String,
        permissions: Permissions,
    ) -> Result<S3Exports, S3Error> {
        use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
        use aws_smithy_runtime_api::client::http::HttpConnectorSettings;
        let credentials = sdk
            .credentials_provider()
            .ok_or_else(|| S3Error::Credentials("the SDK configuration has no provider".into()))?;
        let region = sdk
            .region()
            .map(|r| r.as_ref().to_owned())
            .ok_or_else(|| S3Error::Credentials("no region (AWS_REGION)".into()))?;
        let connector = aws_smithy_http_client::Connector::builder()
            .connector_settings(
                HttpConnectorSettings::builder()
                    .connect_timeout(Duration::from_millis(3100))
                    .read_timeout(Duration::from_secs(10))
                    .build(),
            )
            .tls_provider(Provider::Rustls(CryptoMode::Ring))
            .build();
        Ok(S3Exports {
            connector: Arc::new(connector),
            credentials,
            region,
            bucket,
            endpoint: sdk
                .endpoint_url()
                .map(|e| e.trim_end_matches('/').to_owned()),
            permissions,
            retry_base: RETRY_BASE,
        })
    }

    /// The same bucket, retrying after `base`, doubled each time (tests
    /// use zero: they never wait on the clock).
    pub fn with_retry_base(mut self, base: Duration) -> S3Exports {
        self.retry_base = base;
        self
    }

    fn object_url(&self, key: &str) -> String {
        match &self.endpoint {
            Some(endpoint) => format!("{endpoint}/{}/{key}", self.bucket),
            None => format!(
                "https://{}.s3.{}.amazonaws.com/{key}",
                self.bucket, self.region
            ),
        }
    }

    /// Signs `signable` for S3 at `time`. S3's flavour of SigV4: paths are
    /// signed as sent (no normalising, no second encoding).
    async fn sign_s3(
        &self,
        operation: &'static str,
        signable: Result<SignableRequest<'_>, aws_sigv4::http_request::SigningError>,
        mut settings: SigningSettings,
        time: SystemTime,
    ) -> Result<SigningInstructions, S3Error> {
        let signing = |e: &dyn std::fmt::Display| S3Error::Signing(operation, e.to_string());
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        let identity = self.identity().await?;
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("s3")
            .time(time)
            .settings(settings)
            .build()
            .map_err(|e| signing(&e))?
            .into();
        let signable = signable.map_err(|e| signing(&e))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| signing(&e))?
            .into_parts();
        Ok(instructions)
    }

    async fn identity(
        &self,
    ) -> Result<aws_smithy_runtime_api::client::identity::Identity, S3Error> {
        let credentials = self
            .credentials
            .provide_credentials()
            .await
            .map_err(|e| S3Error::Credentials(e.to_string()))?;
        Ok(credentials.into())
    }

    /// A link that downloads `key` until `signed_at + LINK_LIFETIME`.
    /// Signing time is a parameter so tests can make a link that has
    /// already expired.
    pub async fn presign_get(&self, key: &str, signed_at: SystemTime) -> Result<String, S3Error> {
        const OP: &str = "GetObject";
        self.permissions.check("s3", OP, "s3:GetObject")?;
        let mut settings = SigningSettings::default();
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(LINK_LIFETIME);
        let url = self.object_url(key);
        let signable = SignableRequest::new(
            "GET",
            url.as_str(),
            std::iter::empty(),
            SignableBody::UnsignedPayload,
        );
        let instructions = self.sign_s3(OP, signable, settings, signed_at).await?;
        let (_, query) = instructions.into_parts();
        let mut link = url;
        for (i, (name, value)) in query.iter().enumerate() {
            link.push(if i == 0 { '?' } else { '&' });
            link.push_str(name);
            link.push('=');
            link.extend(percent_encoding::utf8_percent_encode(value, QUERY_VALUE));
        }
        Ok(link)
    }

    /// One signed request, tried up to [`ATTEMPTS`] times while S3 answers
    /// a transient failure; `headers` are sent and signed.
    async fn send(
        &self,
        operation: &'static str,
        method: &'static str,
        url: &str,
        headers: &[(&'static str, &str)],
        body: Bytes,
    ) -> Result<Reply, S3Error> {
        self.permissions.check("s3", operation, "s3:PutObject")?;
        let (mut attempt, mut wait) = (1, self.retry_base);
        loop {
            match self
                .send_once(operation, method, url, headers, body.clone())
                .await
            {
                Err(e) if attempt < ATTEMPTS && e.is_transient() => {
                    tracing::warn!(operation, attempt, error = %e, "S3 failed; retrying");
                    if !wait.is_zero() {
                        tokio::time::sleep(wait).await;
                    }
                    (attempt, wait) = (attempt + 1, wait * 2);
                }
                done => return done,
            }
        }
    }

    /// One signed request, once (signed anew each time: the signature
    /// holds the time).
    async fn send_once(
        &self,
        operation: &'static str,
        method: &'static str,
        url: &str,
        headers: &[(&'static str, &str)],
        body: Bytes,
    ) -> Result<Reply, S3Error> {
        let mut settings = SigningSettings::default();
        // S3 refuses a header-signed request without the payload's hash.
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        let signable = SignableRequest::new(
            method,
            url,
            headers.iter().copied(),
            SignableBody::Bytes(&body),
        );
        let signature = self
            .sign_s3(operation, signable, settings, SystemTime::now())
            .await?;
        let mut req = aws_smithy_runtime_api::http::Request::new(SdkBody::from(body));
        let malformed =
            |e: aws_smithy_runtime_api::http::HttpError| S3Error::Signing(operation, e.to_string());
        req.set_method(method).map_err(malformed)?;
        req.set_uri(url).map_err(malformed)?;
        for (name, value) in headers {
            req.headers_mut().insert(*name, value.to_string());
        }
        let (signed, _) = signature.into_parts();
        for header in signed {
            req.headers_mut()
                .insert(header.name(), header.value().to_owned());
        }
        let res = self
            .connector
            .call(req)
            .await
            .map_err(|e| S3Error::Connection(operation, e.to_string()))?;
        let status = res.status().as_u16();
        let etag = res.headers().get("etag").map(str::to_owned);
        // Read as the SDK reads its answers, so the code is shared.
        let body = {
            use http_body_util::BodyExt;
            let body = std::pin::pin!(res.into_body());
            body.collect()
                .await
                .map_err(|e| S3Error::Connection(operation, e.to_string()))?
                .to_bytes()
        };
        if !(200..300).contains(&status) {
            return Err(S3Error::Refused {
                operation,
                status,
                body: String::from_utf8_lossy(&body).chars().take(300).collect(),
            });
        }
        Ok(Reply { status, etag, body })
    }

    /// The object's own headers, which S3 answers the download with.
    const OBJECT_HEADERS: [(&'static str, &'static str); 3] = [
        ("content-type", app::export::CONTENT_TYPE),
        ("content-disposition", app::export::CONTENT_DISPOSITION),
        ("cache-control", "private, no-store"),
    ];

    /// Writes `chunks` to `key`: one PutObject when it all fits a part,
    /// else a multipart upload holding one part at a time.
    pub async fn upload(&self, key: &str, mut chunks: FileChunks) -> Result<(), S3Error> {
        use futures::StreamExt;
        let url = self.object_url(key);
        let mut part: Vec<u8> = Vec::with_capacity(PART_SIZE);
        let mut upload: Option<(String, Vec<String>)> = None;
        while let Some(chunk) = chunks.next().await {
            part.extend_from_slice(&chunk?);
            if part.len() < PART_SIZE {
                continue;
            }
            if upload.is_none() {
                upload = Some((self.create_multipart(&url).await?, Vec::new()));
            }
            if let Some((id, etags)) = upload.as_mut() {
                let body = Bytes::from(std::mem::replace(&mut part, Vec::with_capacity(PART_SIZE)));
                etags.push(self.upload_part(&url, id, etags.len() + 1, body).await?);
            }
        }
        match upload {
            None => {
                self.send("PutObject", "PUT", &url, &Self::OBJECT_HEADERS, part.into())
                    .await?;
            }
            Some((id, mut etags)) => {
                if !part.is_empty() {
                    etags.push(
                        self.upload_part(&url, &id, etags.len() + 1, part.into())
                            .await?,
                    );
                }
                self.complete_multipart(&url, &id, &etags).await?;
            }
        }
        Ok(())
    }

    async fn create_multipart(&self, url: &str) -> Result<String, S3Error> {
        const OP: &str = "CreateMultipartUpload";
        let reply = self
            .send(
                OP,
                "POST",
                &format!("{url}?uploads"),
                &Self::OBJECT_HEADERS,
                Bytes::new(),
            )
            .await?;
        xml_text(&reply.body, "UploadId").ok_or(S3Error::Malformed(OP, "an UploadId"))
    }

    async fn upload_part(
        &self,
        url: &str,
        upload_id: &str,
        number: usize,
        body: Bytes,
    ) -> Result<String, S3Error> {
        const OP: &str = "UploadPart";
        let url = format!(
            "{url}?partNumber={number}&uploadId={}",
            percent_encoding::utf8_percent_encode(upload_id, QUERY_VALUE)
        );
        let reply = self.send(OP, "PUT", &url, &[], body).await?;
        reply.etag.ok_or(S3Error::Malformed(OP, "an ETag"))
    }

    async fn complete_multipart(
        &self,
        url: &str,
        upload_id: &str,
        etags: &[String],
    ) -> Result<(), S3Error> {
        const OP: &str = "CompleteMultipartUpload";
        let mut xml = String::from("<CompleteMultipartUpload>");
        for (i, etag) in etags.iter().enumerate() {
            xml.push_str(&format!(
                "<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>",
                i + 1,
                xml_escape(etag)
            ));
        }
        xml.push_str("</CompleteMultipartUpload>");
        let url = format!(
            "{url}?uploadId={}",
            percent_encoding::utf8_percent_encode(upload_id, QUERY_VALUE)
        );
        let reply = self
            .send(
                OP,
                "POST",
                &url,
                &[("content-type", "application/xml")],
                xml.into(),
            )
            .await?;
        // S3 may answer 200 and still fail the upload: the body is then an
        // `<Error>` document, which is how the SDKs tell.
        if String::from_utf8_lossy(&reply.body).contains("<Error>") {
            return Err(S3Error::Refused {
                operation: OP,
                status: reply.status,
                body: String::from_utf8_lossy(&reply.body)
                    .chars()
                    .take(300)
                    .collect(),
            });
        }
        Ok(())
    }
}

impl ExportBucket for S3Exports {
    fn store(
        &self,
        chunks: FileChunks,
    ) -> BoxFuture<'_, Result<String, Box<dyn std::error::Error + Send + Sync>>> {
        Box::pin(async move {
            // Unguessable, and sorted by time for whoever lists the bucket.
            let key = format!("exports/{}.csv", uuid::Uuid::now_v7());
            self.upload(&key, chunks).await?;
            Ok(self.presign_get(&key, SystemTime::now()).await?)
        })
    }
}

/// Query values as SigV4 canonicalises them (and S3 re-encodes what it
/// receives before checking): everything but unreserved characters
/// encoded, so the URL sent and the one signed agree.
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The text of the first `<tag>` element of S3's small XML answers, with
/// the predefined entities decoded.
fn xml_text(body: &[u8], tag: &str) -> Option<String> {
    let body = std::str::from_utf8(body).ok()?;
    let open = format!("<{tag}>");
    let start = body.find(&open)? + open.len();
    let len = body[start..].find(&format!("</{tag}>"))?;
    let text = &body[start..start + len];
    Some(
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_reads_the_element_and_decodes_entities() {
        let body = b"<?xml version=\"1.0\"?><InitiateMultipartUploadResult><Bucket>b</Bucket>\
            <UploadId>VXBsb2Fk&amp;IElE~.-_</UploadId></InitiateMultipartUploadResult>";
        assert_eq!(
            xml_text(body, "UploadId").as_deref(),
            Some("VXBsb2Fk&IElE~.-_")
        );
        assert_eq!(xml_text(body, "Key"), None);
        assert_eq!(xml_text(b"<UploadId>unterminated", "UploadId"), None);
        assert_eq!(xml_escape("\"a&b<c>\""), "\"a&amp;b&lt;c&gt;\"");
    }
}
