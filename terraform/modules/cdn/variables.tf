variable "name" {
  type = string
}

variable "bucket_name" {
  description = "Globally unique name of the assets bucket."
  type        = string
}

variable "api_domain" {
  description = "Host name of the HTTP API (<id>.execute-api.<region>.amazonaws.com)."
  type        = string
}

variable "static_files" {
  description = "Paths served from the bucket root besides /pkg/* (the files in public/)."
  type        = list(string)
  default     = ["/favicon.svg"]
}

variable "price_class" {
  type    = string
  default = "PriceClass_100"
}

variable "aliases" {
  description = "Custom host names (need acm_certificate_arn)."
  type        = list(string)
  default     = []
}

variable "acm_certificate_arn" {
  description = "ACM certificate in us-east-1 for the aliases; null uses *.cloudfront.net."
  type        = string
  default     = null
}

variable "web_acl_id" {
  description = "Optional WAF web ACL ARN."
  type        = string
  default     = null
}

variable "origin_secret" {
  description = "Value of the x-tasklane-origin-secret header CloudFront adds to API requests."
  type        = string
  sensitive   = true
}

variable "api_forwarded_headers" {
  description = "Viewer headers the app reads (CloudFront-Viewer-Address is always added; an origin request policy holds at most 10)."
  type        = list(string)
  default     = ["Accept", "Accept-Language", "Content-Type", "Origin", "Referer", "Sec-Fetch-Site", "User-Agent"]

  validation {
    condition     = length(var.api_forwarded_headers) <= 9
    error_message = "At most 9 headers: CloudFront allows 10 per origin request policy and CloudFront-Viewer-Address is one of them."
  }
}
