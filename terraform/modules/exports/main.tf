# Where the API function leaves a CSV export too large for one Lambda
# answer (6 MB): it writes the file here and redirects the admin to a
# presigned link valid for five minutes (server/src/exports.rs). Nothing
# else reads or writes the bucket, and nothing in it outlives a day.

resource "aws_s3_bucket" "exports" {
  #checkov:skip=CKV_AWS_144:Cross-region replication is not wanted: every object is a throwaway copy of the table's tasks that expires after a day.
  #checkov:skip=CKV_AWS_18:Server access logging is not enabled: only the API function's role can write or presign here, and its exports are logged by the function; a log bucket would outlive the data it logs.
  #checkov:skip=CKV2_AWS_62:No S3 event notifications are needed: nothing reacts to an export being written.
  #checkov:skip=CKV_AWS_145:SSE-S3 (AES256) instead of SSE-KMS: the download is a presigned GET by the admin's browser, which a CMK would also have to authorise (kms:Decrypt for the function's role through S3) for no added protection of a file that expires within a day.
  #checkov:skip=CKV_AWS_21:Versioning is off on purpose: each export has its own key and is never overwritten, and a versioned bucket would keep noncurrent copies of the team's data after the day they are meant to last.
  bucket = var.bucket_name
  # Only expiring exports live here: destroying the stack may drop them.
  force_destroy = true
}

resource "aws_s3_bucket_public_access_block" "exports" {
  bucket                  = aws_s3_bucket.exports.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "exports" {
  bucket = aws_s3_bucket.exports.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "exports" {
  bucket = aws_s3_bucket.exports.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# A link lives five minutes; the file a day (S3 runs expirations about once
# a day). A failed export's parts are never completed, and go the same way,
# so the function needs no s3:AbortMultipartUpload.
resource "aws_s3_bucket_lifecycle_configuration" "exports" {
  bucket = aws_s3_bucket.exports.id

  rule {
    id     = "expire-exports"
    status = "Enabled"
    filter {}
    expiration {
      days = 1
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

# TLS only, for the function's writes and the admin's download alike.
data "aws_iam_policy_document" "exports" {
  statement {
    sid    = "DenyInsecureTransport"
    effect = "Deny"
    # wildcard: a Deny for every action by every principal when the request
    # is not TLS; it can only take access away.
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.exports.arn, "${aws_s3_bucket.exports.arn}/*"]
    principals {
      # wildcard: the Deny applies to every principal (anyone not using TLS).
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "exports" {
  bucket = aws_s3_bucket.exports.id
  policy = data.aws_iam_policy_document.exports.json

  depends_on = [aws_s3_bucket_public_access_block.exports]
}
