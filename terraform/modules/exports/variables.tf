variable "bucket_name" {
  description = "Globally unique name of the exports bucket."
  type        = string
}
