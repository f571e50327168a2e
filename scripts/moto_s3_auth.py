"""S3 object requests checked as S3 checks them, in front of moto.

moto accepts any signature and never expires a presigned URL, so on moto
alone a wrongly signed upload or a link that never stops working would
pass every test and fail (or leak) in AWS. This WSGI layer refuses, with
S3's own error codes, every request on an object (`/<bucket>/<key>`) that:

- is signed for an unknown access key (InvalidAccessKeyId);
- carries a SigV4 signature, in the Authorization header or in the query
  of a presigned URL, other than the one botocore (the AWS SDK for Python,
  independent of the Rust signer under test) computes for it from the
  secret key (SignatureDoesNotMatch);
- has a body whose SHA-256 is not the signed x-amz-content-sha256
  (XAmzContentSHA256Mismatch);
- is header-signed more than 15 minutes away from now
  (RequestTimeTooSkewed);
- is presigned and past X-Amz-Date + X-Amz-Expires ("Request has expired")
  or has an expiry S3 refuses (over 7 days).

Bucket-level calls (creating a test's bucket) pass unchecked; nothing in
the application makes them.

It also answers as a busy S3 does, for the retry tests: a write (PUT or
POST) on an object in a bucket named `flaky-*` is answered 503 SlowDown the
first time each distinct request (method, path and query) arrives, and
every time in a bucket named `down-*`; the message counts the attempts.
"""
import datetime
import hashlib
import hmac
import io
from urllib.parse import parse_qsl

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

UNSIGNED = "UNSIGNED-PAYLOAD"
MAX_EXPIRES = 7 * 24 * 3600
MAX_SKEW = datetime.timedelta(minutes=15)
STAMP = "%Y%m%dT%H%M%SZ"


class _S3Signer(SigV4Auth):
    """SigV4 as S3 applies it: the path is signed as sent, and the payload
    hash is the one the request declares."""

    def __init__(self, credentials, region, payload_hash):
        super().__init__(credentials, "s3", region)
        self._payload_hash = payload_hash

    def _normalize_url_path(self, path):
        return path

    def payload(self, request):
        return self._payload_hash


class S3Auth:
    def __init__(self, app, keys):
        self.app = app
        self.keys = keys  # access key id -> secret access key
        self.attempts = {}  # (method, path, query) -> writes seen

    def _busy(self, environ, path, query):
        """The 503 a busy S3 answers this write with, else None."""
        if environ.get("REQUEST_METHOD") not in ("PUT", "POST"):
            return None
        bucket = path.lstrip("/").split("/")[0]
        if not bucket.startswith(("flaky-", "down-")):
            return None
        key = (environ["REQUEST_METHOD"], path, query)
        seen = self.attempts.get(key, 0) + 1
        self.attempts[key] = seen
        if bucket.startswith("flaky-") and seen > 1:
            return None
        return ("503 Slow Down", "SlowDown", f"Please reduce your request rate. (attempt {seen})")

    def __call__(self, environ, start_response):
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "")
        path, _, query = raw.partition("?")
        params = dict(parse_qsl(query, keep_blank_values=True))
        auth = environ.get("HTTP_AUTHORIZATION", "")
        on_object = len([p for p in path.split("/") if p]) >= 2
        if not on_object:
            return self.app(environ, start_response)
        if "X-Amz-Signature" in params:
            refusal = self._presigned(environ, path, query, params)
        elif "/s3/aws4_request" in auth:
            refusal = self._header_signed(environ, path, query, auth)
        else:
            refusal = None
        refusal = refusal or self._busy(environ, path, query)
        if refusal:
            status, code, message = refusal
            body = (
                f'<?xml version="1.0" encoding="UTF-8"?>'
                f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
            ).encode()
            start_response(
                status,
                [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return self.app(environ, start_response)

    def _verify(self, environ, path, query, signed_headers, scope, amz_date, payload_hash, provided):
        """The refusal for a signature other than botocore's, else None."""
        access, date, region, service, terminal = (scope.split("/") + [""] * 5)[:5]
        if access not in self.keys:
            return ("403 Forbidden", "InvalidAccessKeyId", "The AWS access key Id you provided does not exist in our records.")
        if service != "s3" or terminal != "aws4_request" or date != amz_date[:8]:
            return ("403 Forbidden", "SignatureDoesNotMatch", "Malformed credential scope.")
        headers = {}
        for name in signed_headers.split(";"):
            value = environ.get("HTTP_" + name.upper().replace("-", "_"))
            if name == "content-type":
                value = environ.get("CONTENT_TYPE")
            elif name == "content-length":
                value = environ.get("CONTENT_LENGTH")
            if value is None:
                return ("403 Forbidden", "SignatureDoesNotMatch", f"Signed header {name} is missing.")
            headers[name] = value
        signer = _S3Signer(Credentials(access, self.keys[access]), region, payload_hash)
        url = f"http://{environ.get('HTTP_HOST', '')}{path}" + (f"?{query}" if query else "")
        request = AWSRequest(method=environ["REQUEST_METHOD"], url=url, headers=headers)
        request.context["timestamp"] = amz_date
        canonical = signer.canonical_request(request)
        expected = signer.signature(signer.string_to_sign(request, canonical), request)
        if not hmac.compare_digest(expected, provided):
            return ("403 Forbidden", "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
        return None

    def _presigned(self, environ, path, query, params):
        try:
            signed_at = datetime.datetime.strptime(params.get("X-Amz-Date", ""), STAMP)
            expires = int(params.get("X-Amz-Expires", ""))
        except ValueError:
            return ("400 Bad Request", "AuthorizationQueryParametersError", "X-Amz-Date and X-Amz-Expires are required.")
        if not 1 <= expires <= MAX_EXPIRES:
            return ("400 Bad Request", "AuthorizationQueryParametersError", "X-Amz-Expires must be between 1 and 604800 seconds.")
        unsigned_query = "&".join(
            p for p in query.split("&") if not p.startswith("X-Amz-Signature=")
        )
        refusal = self._verify(
            environ,
            path,
            unsigned_query,
            params.get("X-Amz-SignedHeaders", ""),
            params.get("X-Amz-Credential", ""),
            params["X-Amz-Date"],
            UNSIGNED,
            params["X-Amz-Signature"],
        )
        if refusal:
            return refusal
        now = datetime.datetime.utcnow()
        if now > signed_at + datetime.timedelta(seconds=expires):
            return ("403 Forbidden", "AccessDenied", "Request has expired")
        if signed_at - now > MAX_SKEW:
            return ("403 Forbidden", "AccessDenied", "Request is not valid yet")
        return None

    def _header_signed(self, environ, path, query, auth):
        fields = {}
        for part in auth[len("AWS4-HMAC-SHA256"):].split(","):
            name, _, value = part.strip().partition("=")
            fields[name] = value
        amz_date = environ.get("HTTP_X_AMZ_DATE", "")
        try:
            signed_at = datetime.datetime.strptime(amz_date, STAMP)
        except ValueError:
            return ("403 Forbidden", "AccessDenied", "X-Amz-Date is missing or malformed.")
        if abs(datetime.datetime.utcnow() - signed_at) > MAX_SKEW:
            return ("403 Forbidden", "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
        declared = environ.get("HTTP_X_AMZ_CONTENT_SHA256")
        if declared is None:
            return ("400 Bad Request", "InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        if declared != UNSIGNED and declared != hashlib.sha256(body).hexdigest():
            return ("400 Bad Request", "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.")
        return self._verify(
            environ,
            path,
            query,
            fields.get("SignedHeaders", ""),
            fields.get("Credential", ""),
            amz_date,
            declared,
            fields.get("Signature", ""),
        )
