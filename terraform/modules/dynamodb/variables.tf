variable "name" {
  description = "Table name."
  type        = string
}

variable "deletion_protection" {
  description = "Refuse DeleteTable (turn off only to tear an environment down)."
  type        = bool
  default     = true
}
